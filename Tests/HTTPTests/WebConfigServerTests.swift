import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceHTTP
@testable import BalanceSupport

/// Our HTTPServer behind a `--web.config.file`, live on 127.0.0.1: TLS with
/// certificates made at test time by the `openssl` command, basic auth,
/// headers, and a file re-read when it changes. Our own client
/// (`SocketTransport` with the test CA) speaks to it.
final class WebConfigServerTests: XCTestCase {
    private static let certificates = SharedTLSTestCertificates()

    override class func tearDown() {
        certificates.remove()
        super.tearDown()
    }

    private func certificates() throws -> TLSTestCertificates {
        try requireTools(executables: ["openssl"])
        return try Self.certificates.get()
    }

    /// A server answering `ok <path>` behind the web configuration at `path`.
    private func serve(_ path: String, logs: LogCapture = LogCapture(), limits: ServerLimits = ServerLimits()) throws -> Int {
        let file = try WebConfigFile(path: path, logger: logs.logger())
        let inner = LoopbackHandler { .text(200, "ok \($0.path)\n") }
        let server = HTTPServer(addresses: [.loopback()], limits: limits, logger: logs.logger(),
                                tls: file.tlsEnabled ? file.tlsContext : nil, handler: WebConfigHandler(file, inner: inner))
        try server.start()
        addTeardownBlock { server.shutdown(grace: 0) }
        return server.boundPorts[0]
    }

    private func basic(_ user: WebConfigFixture.User, password: String? = nil) -> HTTPHeaders {
        [("Authorization", BasicCredentials(user: user.name, password: Array((password ?? user.password).utf8)).headerValue)]
    }

    private func get(_ url: String, caFile: String, headers: HTTPHeaders = []) async throws(TransportError) -> HTTPResponse {
        try await SocketTransport(caFile: caFile).call("GET", SocketTransportTests.url(url), headers: headers, timeout: 5)
    }

    // MARK: TLS

    func testTLSServesWithTheConfiguredCertificateAndHeaders() async throws {
        let made = try certificates()
        let port = try serve(try WebConfigFixture.write(WebConfigFixture.tls(made.localhost), to: made.directory, name: "tls"))
        let response = try await get("https://localhost:\(port)/metrics", caFile: made.caFile, headers: basic(WebConfigFixture.alice))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, "ok /metrics\n")
        XCTAssertEqual(response.headers["Strict-Transport-Security"], "max-age=31536000")
        // The certificate is checked by name and address alike.
        let byAddress = try await get("https://127.0.0.1:\(port)/", caFile: made.caFile, headers: basic(WebConfigFixture.alice))
        XCTAssertEqual(byAddress.status, 200)
    }

    func testPlainHTTPOnTheTLSPortGetsA400AndTheConnectionCloses() throws {
        let made = try certificates()
        let port = try serve(try WebConfigFixture.write(WebConfigFixture.tls(made.localhost), to: made.directory, name: "tls-plain"))
        let client = try RawHTTPConnection(port: port)
        try client.send(RawHTTPClient.wire(path: "/metrics"))
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.text, "Client sent an HTTP request to an HTTPS server.\n")
    }

    func testAStalledHandshakeIsCutAtTheReadTimeout() throws {
        let made = try certificates()
        let path = try WebConfigFixture.write(WebConfigFixture.tls(made.localhost), to: made.directory, name: "tls-stall")
        let port = try serve(path, limits: ServerLimits(readTimeout: 0.5))
        // The first bytes of a ClientHello's record header, then nothing.
        let client = try RawHTTPConnection(port: port, timeout: 10)
        try client.send([0x16, 0x03, 0x01])
        XCTAssertTrue(client.waitForClose(within: 5), "a handshake that stalls must end with the read timeout, not hang")
        // A silent client too.
        let silent = try RawHTTPConnection(port: port, timeout: 10)
        XCTAssertTrue(silent.waitForClose(within: 5))
    }

    func testARotatedCertificateServesTheNextHandshakeWithoutARestart() async throws {
        let made = try certificates()
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("server.pem").path
        let key = directory.appendingPathComponent("server.key").path
        func install(_ pair: (String, String)) throws {
            // Copied next to the file and renamed into place, as a certificate manager does.
            for (source, target) in [(pair.0, cert), (pair.1, key)] {
                try? FileManager.default.removeItem(atPath: target + ".new")
                try FileManager.default.copyItem(atPath: source, toPath: target + ".new")
                XCTAssertEqual(rename(target + ".new", target), 0)
            }
        }
        try install(made.localhost)
        let port = try serve(try WebConfigFixture.write(WebConfigFixture.tls((cert, key), user: nil), to: directory))
        let trusted = try await get("https://localhost:\(port)/", caFile: made.caFile)
        XCTAssertEqual(trusted.status, 200)

        try install(made.stranger)
        do {
            let response = try await get("https://localhost:\(port)/", caFile: made.caFile)
            XCTFail("the stranger's certificate is served now: expected a TLS failure, got \(response.status)")
        } catch {
            XCTAssertTrue("\(error)".contains("TLS handshake failed"), "\(error)")
        }
    }

    // MARK: Basic auth

    func testBasicAuthRefusesMissingWrongAndUnknownCredentialsWith401() async throws {
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let port = try serve(try WebConfigFixture.write(WebConfigFixture.basicAuth(), to: directory))
        let url = "http://127.0.0.1:\(port)/metrics"
        let transport = SocketTransport()
        let alice = WebConfigFixture.alice
        let unknown = WebConfigFixture.User(name: "mallory", password: alice.password, hash: alice.hash)
        for (what, headers) in [("none", HTTPHeaders()), ("wrong", basic(alice, password: "guess")), ("unknown", basic(unknown)),
                                ("not basic", [("Authorization", "Bearer x")])] {
            let response = try await transport.call("GET", SocketTransportTests.url(url), headers: headers)
            XCTAssertEqual(response.status, 401, what)
            XCTAssertEqual(response.headers["WWW-Authenticate"], "Basic", what)
            XCTAssertEqual(response.headers["X-Frame-Options"], "deny", "headers on every answer (\(what))")
            XCTAssertFalse(response.bodyText.contains("ok"), what)
        }
        let allowed = try await transport.call("GET", SocketTransportTests.url(url), headers: basic(alice))
        XCTAssertEqual(allowed.status, 200)
        XCTAssertEqual(allowed.headers["X-Content-Type-Options"], "nosniff")
    }

    func testAChangedPasswordTakesEffectWithoutARestartAndABrokenFileKeepsTheLastGoodOne() async throws {
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let logs = LogCapture()
        let path = try WebConfigFixture.write(WebConfigFixture.basicAuth(), to: directory)
        let port = try serve(path, logs: logs)
        let url = SocketTransportTests.url("http://127.0.0.1:\(port)/")
        let transport = SocketTransport()
        let old = WebConfigFixture.alice
        let new = WebConfigFixture.aliceRotated
        let before = try await transport.call("GET", url, headers: basic(old))
        XCTAssertEqual(before.status, 200)

        try WebConfigFixture.write(WebConfigFixture.basicAuth(new), to: directory)
        let oldAfter = try await transport.call("GET", url, headers: basic(old))
        XCTAssertEqual(oldAfter.status, 401, "the old password must stop working without a restart")
        let newAfter = try await transport.call("GET", url, headers: basic(new))
        XCTAssertEqual(newAfter.status, 200)

        try WebConfigFixture.write("basic_auth_users:\n  alice: not-a-hash\n", to: directory)
        for _ in 0..<3 {
            let kept = try await transport.call("GET", url, headers: basic(new))
            XCTAssertEqual(kept.status, 200, "an invalid new version keeps the last good one")
        }
        let failures = logs.all.filter { $0.contains("web configuration reload failed") }
        XCTAssertEqual(failures.count, 1, "logged once per change, not per request: \(failures)")
        XCTAssertTrue(failures.first?.contains("basic_auth_users.alice") == true, "\(failures)")
        XCTAssertFalse(logs.all.joined().contains(new.hash), "no hash in the log")
    }

    func testAnInvalidFileAtStartIsAClearError() throws {
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = try WebConfigFixture.write("tls_server_config:\n  cert_file: missing.pem\n  key_file: missing.key\n", to: directory)
        XCTAssertThrowsError(try WebConfigFile(path: path, logger: .discard)) { error in
            XCTAssertTrue("\(error)".contains("missing.pem"), "\(error)")
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
        let unknownKey = try WebConfigFixture.write("basic_auth:\n  alice: x\n", to: directory, name: "unknown")
        XCTAssertThrowsError(try WebConfigFile(path: unknownKey, logger: .discard)) { error in
            XCTAssertTrue("\(error)".contains("line 1, column 1: basic_auth: unknown key"), "\(error)")
        }
    }

    func testTurningTLSOffNeedsARestart() async throws {
        let made = try certificates()
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let logs = LogCapture()
        let path = try WebConfigFixture.write(WebConfigFixture.tls(made.localhost, user: nil), to: directory)
        let port = try serve(path, logs: logs)
        try WebConfigFixture.write(WebConfigFixture.basicAuth(), to: directory)
        let response = try await get("https://localhost:\(port)/", caFile: made.caFile)
        XCTAssertEqual(response.status, 200, "still TLS, still without auth")
        XCTAssertTrue(logs.all.contains { $0.contains("TLS cannot be turned off without a restart") }, logs.all.joined(separator: "\n"))
    }

    // MARK: Health probe

    func testTheStatusProbeSpeaksTLSWithoutVerificationAndSeesA401() throws {
        let made = try certificates()
        let port = try serve(try WebConfigFixture.write(WebConfigFixture.tls(made.localhost), to: made.directory, name: "tls-probe"))
        XCTAssertEqual(StatusProbe.status(host: "127.0.0.1", port: UInt16(port), path: "/-/healthy", tls: true, timeout: 5), 401)
        XCTAssertEqual(StatusProbe.status(host: "127.0.0.1", port: UInt16(port), path: "/-/healthy", tls: false, timeout: 5), 400,
                       "plain HTTP on the TLS port: Go's 400")
    }
}
