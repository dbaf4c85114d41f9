import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCrypto

/// bcrypt against published vectors and against hashes that `htpasswd`
/// (apache2-utils, C) makes while the test runs. Low costs (4 and 5) except
/// one real-cost (10) hash: the debug build the tests run is slow by design.
final class BcryptTests: XCTestCase {
    private func verifies(_ password: [UInt8], _ hash: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        do {
            return try BcryptHash(hash).verify(password)
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return false
        }
    }

    /// crypt_blowfish's test vectors (Openwall, https://www.openwall.com/crypt/, wrapper.c's tests),
    /// the ones every implementation checks against, for `$2a$` and `$2y$`.
    func testOpenwallVectors() {
        let vectors: [([UInt8], String)] = [
            (Array("U*U".utf8), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
            (Array("U*U*".utf8), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"),
            (Array("U*U*U".utf8), "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"),
            (Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored".utf8),
             "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"),
            (Array(repeating: 0xAA, count: 72) + Array("chars after 72 are ignored as usual".utf8),
             "$2a$05$/OK.fbVrR/bpIqNJ5ianF.swQOIzjOiJ9GHEPuhEkvqrUyvWhEMx6"),
            ([0xA3], "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"),
            ([0xFF, 0xFF, 0xA3], "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"),
            ([], "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"),
        ]
        for (password, hash) in vectors {
            XCTAssertTrue(verifies(password, hash), hash)
            // A change within the first 72 bytes is another password.
            let changed = password.isEmpty ? [0x41] : [password[0] ^ 0x01] + password.dropFirst()
            XCTAssertFalse(verifies(changed, hash), hash)
        }
    }

    /// pyca/bcrypt's vectors (https://github.com/pyca/bcrypt/blob/main/tests/test_bcrypt.py), `$2b$`
    /// at cost 4, among them one with a NUL and high bytes.
    func testPycaVectors() {
        let vectors: [([UInt8], String)] = [
            (Array("Kk4DQuMMfZL9o".utf8), "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"),
            (Array("9IeRXmnGxMYbs".utf8), "$2b$04$pQ7gRO7e6wx/936oXhNjrOUNOHL1D0h1N2IDbJZYs.1ppzSof6SPy"),
            (Array("xVQVbwa1S0M8r".utf8), "$2b$04$SQe9knOzepOVKoYXo9xTteNYr6MBwVz4tpriJVe3PNgYufGIsgKcW"),
            (Array("J8eHUDuxBB520".utf8), "$2b$04$VvlCUKbTMjaxaYJ.k5juoecpG/7IzcH1AkmqKi.lIZMVIOLClWAk."),
            (Array("g7\r\u{01}".utf8) + [0xF3, 0xD4, 0xD0, 0xA9] + Array("JB^\u{18}\u{00}7P".utf8) + [0xB2] + Array("N".utf8) + [0xC7, 0x1C, 0xEE, 0x87]
                + Array("&".utf8) + [0x83] + Array("C".utf8) + [0x8B, 0xE8, 0x18, 0xC5] + Array(">".utf8) + [0x86, 0x14] + Array("/".utf8)
                + [0xD6, 0xCC, 0x1C] + Array("J".utf8) + [0xDE, 0xD7] + Array("ix".utf8) + [0xEB, 0xDE] + Array("O".utf8) + [0xEF, 0xE1]
                + Array("i".utf8) + [0xAC, 0xCB, 0x03, 0x96] + Array("v1' ".utf8) + [0xD6] + Array("@.m".utf8) + [0xA5] + Array("!".utf8)
                + [0xA0, 0xEF, 0xC0] + Array("(".utf8),
             "$2a$04$tecY.9ylRInW/rAAzXCXPOOlyYeCNzmNTzPDNSIFztFMKbvs/s5XG"),
        ]
        for (password, hash) in vectors {
            XCTAssertTrue(verifies(password, hash), hash)
        }
        XCTAssertFalse(verifies(Array("badpass".utf8), "$2b$04$2Siw3Nv3Q/gTOIPetAyPr.GNj3aO0lb1E5E9UumYGKjP9BYqlNWJe"))
    }

    /// The three versions verify alike, and bytes after the 72nd do not count.
    func testVersionsAndThe72ByteLimit() {
        let suffix = "$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
        for version in ["2a", "2b", "2y"] {
            XCTAssertTrue(verifies(Array("U*U".utf8), "$" + version + suffix), version)
        }
        let long = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        XCTAssertEqual(long.count, 72)
        let hash = "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"
        XCTAssertTrue(verifies(long, hash))
        XCTAssertTrue(verifies(long + Array("anything at all".utf8), hash))
        XCTAssertFalse(verifies(Array(long.dropLast()), hash))
    }

    func testMalformedHashesAreRefused() throws {
        let cases: [(String, String)] = [
            ("", "not a bcrypt hash: a bcrypt hash has 60 characters, this one 0"),
            ("$2a$10$fooo", "not a bcrypt hash: a bcrypt hash has 60 characters, this one 11"),
            ("$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "not a bcrypt hash: a bcrypt hash starts with $2a$, $2b$ or $2y$"),
            ("$3a$10$sssssssssssssssssssssshhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh", "not a bcrypt hash: a bcrypt hash starts with $2a$, $2b$ or $2y$"),
            ("$2a$32$sssssssssssssssssssssshhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh", "not a bcrypt hash: cost 32 is outside 4...31"),
            ("$2a$03$sssssssssssssssssssssshhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh", "not a bcrypt hash: cost 3 is outside 4...31"),
            ("$2a$+9$sssssssssssssssssssssshhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh", "not a bcrypt hash: expected a two-digit cost after the version, as in $2y$10$"),
            ("$2b$04$?Siw3Nv3Q/gTOIPetAyPr.GNj3aO0lb1E5E9UumYGKjP9BYqlNWJe", "not a bcrypt hash: the salt and digest must be bcrypt base64 (./A-Za-z0-9)"),
            ("$2b$04$2Siw3Nv3Q/gTOIPetAyPr.GNj3aO0lb1E5E9UumYGKjP9BYqlNWJ+", "not a bcrypt hash: the salt and digest must be bcrypt base64 (./A-Za-z0-9)"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try BcryptHash(text), text) { XCTAssertEqual("\($0)", message) }
        }
        XCTAssertEqual(try BcryptHash("$2y$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm").cost, 4)
        // A description shows no more than version and cost.
        let hash = try BcryptHash("$2y$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm")
        XCTAssertEqual("\(hash)", "$2y$04$ (bcrypt hash)")
    }

    /// A decoy (for unknown users) matches no password, not even the empty one.
    func testDecoyMatchesNothing() {
        let decoy = BcryptHash.decoy(cost: 4)
        XCTAssertEqual(decoy.cost, 4)
        XCTAssertFalse(decoy.verify([UInt8]()))
        XCTAssertFalse(decoy.verify(Array("password".utf8)))
        XCTAssertEqual(BcryptHash.decoy(cost: 40).cost, 31)
    }

    // MARK: Against htpasswd, live

    private func htpasswd(cost: Int, password: String) throws -> String? {
        guard let tool = executableOnPath("htpasswd") else {
            try componentMissing("htpasswd not found on PATH (install Debian's apache2-utils)")
            return nil
        }
        let process = Process()
        process.executableURL = tool
        process.arguments = ["-nbBC", String(cost), "user", password]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first ?? ""
        XCTAssertTrue(line.hasPrefix("user:$2y$\(cost < 10 ? "0" : "")\(cost)$"), String(line))
        return String(line.dropFirst("user:".count))
    }

    func testHashesMadeByHtpasswdAtCost4() throws {
        let passwords = ["pass", "correct horse battery staple", "pä$$wörd:with:colons", "x",
                         String(repeating: "long-", count: 20)]
        for password in passwords {
            guard let hash = try htpasswd(cost: 4, password: password) else { return }
            XCTAssertTrue(verifies(Array(password.utf8), hash), password)
            XCTAssertFalse(verifies(Array(("x" + password).utf8), hash), password)
        }
        // htpasswd, like OpenBSD and Go, ignores what follows the 72nd byte.
        let long = String(repeating: "long-", count: 20)
        guard let hash = try htpasswd(cost: 4, password: long) else { return }
        XCTAssertTrue(verifies(Array(long.utf8.prefix(72)) + Array("different tail".utf8), hash))
    }

    /// The one real-cost hash: `htpasswd -nbBC 10 user pass`, what the
    /// exporter-toolkit documentation tells users to run.
    func testHashMadeByHtpasswdAtCost10() throws {
        guard let hash = try htpasswd(cost: 10, password: "pass") else { return }
        XCTAssertTrue(verifies(Array("pass".utf8), hash))
    }
}
