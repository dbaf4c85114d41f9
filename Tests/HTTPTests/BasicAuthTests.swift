import BalanceTestSupport
import Foundation
import Synchronization
import XCTest
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSupport

final class BasicAuthTests: XCTestCase {
    /// `pass` at cost 4 (made by `htpasswd -nbBC 4 user pass`), and Openwall's `U*U` vector at cost 5.
    private let userHash = "$2y$04$r9tHv//QMMIKhFTeFvPo7.oGjZ6M4AphfMWQb9cZE1MUDvhd193bC"
    private let otherHash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" // "U*U"

    private func users() throws -> [String: BcryptHash] {
        ["user": try BcryptHash(userHash), "other": try BcryptHash(otherHash)]
    }

    func testAuthorizationHeaderParsing() {
        // RFC 7617 §2's example, then variations.
        XCTAssertEqual(BasicCredentials(authorization: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
                       BasicCredentials(user: "Aladdin", password: Array("open sesame".utf8)))
        XCTAssertEqual(BasicCredentials(authorization: "basic  QWxhZGRpbjpvcGVuIHNlc2FtZQ== ")?.user, "Aladdin")
        XCTAssertEqual(BasicCredentials(authorization: "BASIC\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==")?.user, "Aladdin")
        // Split at the first colon: the password keeps the others; it may be empty.
        XCTAssertEqual(BasicCredentials(authorization: "Basic " + Base64.encode(Array("u:pa:ss".utf8)))?.password, Array("pa:ss".utf8))
        XCTAssertEqual(BasicCredentials(authorization: "Basic " + Base64.encode(Array("u:".utf8)))?.password, [])
        XCTAssertEqual(BasicCredentials(authorization: "Basic " + Base64.encode(Array("jürgen:ü".utf8))),
                       BasicCredentials(user: "jürgen", password: Array("ü".utf8)))
        for bad in ["", "Basic", "Basic ", "Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                    "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", "Basic QWxhZGRp bjpvcGVuIHNlc2FtZQ==", "Basic !!!!",
                    "Basic " + Base64.encode(Array("no colon".utf8)), "Basic " + Base64.encode([0xFF, 0x3A, 0x41])] {
            XCTAssertNil(BasicCredentials(authorization: bad), bad)
        }
        XCTAssertEqual(BasicCredentials(user: "Aladdin", password: Array("open sesame".utf8)).headerValue,
                       "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    }

    func testRightWrongUnknownAndMissingCredentials() throws {
        let verifier = BasicAuthVerifier(users: try users())
        XCTAssertEqual(verifier.verify(authorization: BasicCredentials(user: "user", password: Array("pass".utf8)).headerValue),
                       .allowed(user: "user"))
        XCTAssertEqual(verifier.verify(authorization: BasicCredentials(user: "other", password: Array("U*U".utf8)).headerValue),
                       .allowed(user: "other"))
        XCTAssertEqual(verifier.verify(authorization: BasicCredentials(user: "user", password: Array("wrong".utf8)).headerValue), .denied)
        XCTAssertEqual(verifier.verify(authorization: BasicCredentials(user: "other", password: Array("pass".utf8)).headerValue), .denied)
        XCTAssertEqual(verifier.verify(authorization: BasicCredentials(user: "nobody", password: Array("pass".utf8)).headerValue), .denied)
        XCTAssertEqual(verifier.verify(authorization: nil), .denied)
        XCTAssertEqual(verifier.verify(authorization: "Basic garbage"), .denied)
    }

    /// A check that records what it was asked and can be held open.
    private final class Recorder: Sendable {
        let calls = Mutex<[(cost: Int, password: [UInt8])]>([])
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holds = Mutex(false)

        func check(_ hash: BcryptHash, _ password: [UInt8]) -> Bool {
            calls.withLock { $0.append((hash.cost, password)) }
            if holds.withLock({ $0 }) {
                entered.signal()
                release.wait()
            }
            return hash.verify(password)
        }

        var count: Int { calls.withLock { $0.count } }
    }

    /// An unknown user is checked against a decoy of the highest configured
    /// cost: it costs what a wrong password of that cost does.
    func testUnknownUsersCostAsMuchAsWrongPasswords() throws {
        let recorder = Recorder()
        let verifier = BasicAuthVerifier(users: try users(), cacheCapacity: 8, maxConcurrentChecks: 2, check: recorder.check)
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "nobody", password: Array("pass".utf8))), .denied)
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "", password: [])), .denied)
        XCTAssertEqual(recorder.calls.withLock { $0.map(\.cost) }, [5, 5])
    }

    func testVerifiedCredentialsAreCachedAndFailuresAreNot() throws {
        let recorder = Recorder()
        let verifier = BasicAuthVerifier(users: try users(), cacheCapacity: 2, maxConcurrentChecks: 2, check: recorder.check)
        let right = BasicCredentials(user: "user", password: Array("pass".utf8))
        for _ in 0..<3 { XCTAssertEqual(verifier.verify(right), .allowed(user: "user")) }
        XCTAssertEqual(recorder.count, 1, "one bcrypt check, then the cache")
        let wrong = BasicCredentials(user: "user", password: Array("guess".utf8))
        for _ in 0..<3 { XCTAssertEqual(verifier.verify(wrong), .denied) }
        XCTAssertEqual(recorder.count, 4, "every wrong password is checked")
        XCTAssertEqual(verifier.cachedCount, 1)

        // At capacity the oldest entry goes first.
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "other", password: Array("U*U".utf8))), .allowed(user: "other"))
        XCTAssertEqual(verifier.cachedCount, 2)
        verifier.update(users: ["user": try BcryptHash(userHash), "other": try BcryptHash(otherHash),
                                "third": try BcryptHash("$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK")])
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "third", password: Array("U*U*".utf8))), .allowed(user: "third"))
        XCTAssertEqual(verifier.cachedCount, 2)
        let before = recorder.count
        XCTAssertEqual(verifier.verify(right), .allowed(user: "user"))
        XCTAssertEqual(recorder.count, before + 1, "the first entry was evicted")

        // A rotated password: the old one no longer passes, even though it was cached.
        verifier.update(users: ["user": try BcryptHash("$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm")])
        XCTAssertEqual(verifier.verify(right), .denied)
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "user", password: Array("Kk4DQuMMfZL9o".utf8))), .allowed(user: "user"))
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "other", password: Array("U*U".utf8))), .denied, "a removed user")
    }

    /// At the bound of concurrent checks the next one is `.busy` at once;
    /// cached credentials still pass meanwhile.
    func testConcurrentChecksAreBounded() throws {
        let recorder = Recorder()
        let verifier = BasicAuthVerifier(users: try users(), cacheCapacity: 8, maxConcurrentChecks: 1, check: recorder.check)
        let right = BasicCredentials(user: "user", password: Array("pass".utf8))
        XCTAssertEqual(verifier.verify(right), .allowed(user: "user"))

        recorder.holds.withLock { $0 = true }
        let done = DispatchSemaphore(value: 0)
        let held = Mutex<BasicAuthVerifier.Outcome?>(nil)
        Thread.detachNewThread {
            held.withLock { $0 = verifier.verify(BasicCredentials(user: "other", password: Array("U*U".utf8))) }
            done.signal()
        }
        recorder.entered.wait()
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "nobody", password: Array("x".utf8))), .busy)
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "user", password: Array("wrong".utf8))), .busy)
        XCTAssertEqual(verifier.verify(right), .allowed(user: "user"), "cached: no check needed")
        recorder.holds.withLock { $0 = false }
        recorder.release.signal()
        done.wait()
        XCTAssertEqual(held.withLock { $0 }, .allowed(user: "other"))
        XCTAssertEqual(verifier.verify(BasicCredentials(user: "user", password: Array("wrong".utf8))), .denied, "the slot is free again")
    }

    func testBase64RoundTrip() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
            XCTAssertEqual(Base64.encode(bytes), Data(bytes).base64EncodedString())
        }
        for bad in ["A", "AB=C", "A===", "AB==CD==", "AB\n==", "ÄÄÄÄ"] { XCTAssertNil(Base64.decode(bad), bad) }
    }
}
