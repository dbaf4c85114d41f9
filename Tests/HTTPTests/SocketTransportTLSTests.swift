import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceHTTP

/// `SocketTransport` over TLS on 127.0.0.1: a Python `ssl` server with
/// certificates made at test time by the `openssl` command line. Proves the
/// peer is verified (trusted CA, host name, IP address), SNI is sent for
/// names only, and every TLS failure is a fixed "TLS handshake failed" text.
/// Without python3 or openssl: skipped, or failed under CI=true.
final class SocketTransportTLSTests: XCTestCase {
    private static let certificates = SharedTLSTestCertificates()

    override class func tearDown() {
        certificates.remove()
        super.tearDown()
    }

    /// The certificates, made once for the whole class.
    private func certificates() throws -> TLSTestCertificates {
        try requireTools(executables: ["openssl", "python3"], pythonModules: ["ssl"])
        return try Self.certificates.get()
    }

    private func serve(_ certificate: (String, String)) throws -> Int {
        let server = try TLSTestServer(certificate: certificate)
        addTeardownBlock { server.stop() }
        return server.port
    }

    private func get(_ url: String, caFile: String?, transport: SocketTransport? = nil, timeout: Double = 5) async throws -> HTTPResponse {
        let transport = transport ?? SocketTransport(caFile: caFile)
        return try await transport.call("GET", SocketTransportTests.url(url), timeout: timeout)
    }

    private func failure(_ url: String, caFile: String?, timeout: Double = 5) async -> TransportError? {
        do {
            let response = try await get(url, caFile: caFile, timeout: timeout)
            XCTFail("expected a failure, got \(response.status)")
            return nil
        } catch {
            return error as? TransportError
        }
    }

    // MARK: Trusted

    func testATrustedCertificateGivesTheAnswerAndTheNameIsSentAsSNI() async throws {
        let made = try certificates()
        let port = try serve(made.localhost)
        let transport = SocketTransport(caFile: made.caFile)
        let response = try await get("https://localhost:\(port)/hello?x=1", caFile: nil, transport: transport)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyText, "hello over tls /hello?x=1")
        XCTAssertEqual(response.headers["x-sni"], "localhost")
        // The transport's one SSL_CTX serves the next request too.
        let again = try await get("https://localhost:\(port)/again", caFile: nil, transport: transport)
        XCTAssertEqual(again.bodyText, "hello over tls /again")
    }

    func testAnAddressIsVerifiedAgainstTheCertificatesIPNamesAndSentWithoutSNI() async throws {
        let made = try certificates()
        let port = try serve(made.localhost)
        let response = try await get("https://127.0.0.1:\(port)/", caFile: made.caFile)
        XCTAssertEqual(response.bodyText, "hello over tls /")
        XCTAssertEqual(response.headers["x-sni"], "none", "RFC 6066: no SNI for an address")
    }

    func testALargeBodyOverManyRecords() async throws {
        let made = try certificates()
        let port = try serve(made.localhost)
        let response = try await get("https://localhost:\(port)/big", caFile: made.caFile)
        XCTAssertEqual(response.body, [UInt8](repeating: 0x78, count: 200 * 1024))
    }

    func testABodyEndedByACloseWithoutCloseNotify() async throws {
        let made = try certificates()
        let port = try serve(made.localhost)
        let response = try await get("https://localhost:\(port)/close", caFile: made.caFile)
        XCTAssertEqual(response.bodyText, "until the close")
    }

    // MARK: Refused

    func testACertificateFromAnUntrustedCAIsRefused() async throws {
        let made = try certificates()
        let port = try serve(made.localhost)
        // The system's trust store (no caFile) does not know the test CA.
        let error = await failure("https://localhost:\(port)/", caFile: nil)
        XCTAssertEqual(error, .tls("TLS handshake failed: unable to get local issuer certificate"))
    }

    func testACertificateForAnotherHostIsRefused() async throws {
        let made = try certificates()
        let port = try serve(made.otherHost)
        let error = await failure("https://localhost:\(port)/", caFile: made.caFile)
        XCTAssertEqual(error, .tls("TLS handshake failed: hostname mismatch"))
        let byAddress = await failure("https://127.0.0.1:\(port)/", caFile: made.caFile)
        XCTAssertEqual(byAddress, .tls("TLS handshake failed: IP address mismatch"))
    }

    func testAPlainHTTPServerBehindAnHTTPSURLIsAHandshakeFailure() async throws {
        // What nginx does with a ClientHello on a plain port: a 400 in clear text.
        let port = try scriptedUpstream { connection in
            guard connection.readSome() != nil else { return }
            connection.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            connection.stall(0.5)
        }
        let error = await failure("https://127.0.0.1:\(port)/", caFile: nil)
        XCTAssertEqual(error, .tls("TLS handshake failed: wrong version number"))
    }

    func testAHandshakeThatNeverEndsTimesOutAtTheDeadline() async throws {
        let port = try scriptedUpstream { connection in connection.stall(3) }
        let started = Date()
        let error = await failure("https://127.0.0.1:\(port)/", caFile: nil, timeout: 0.5)
        XCTAssertEqual(error, .timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
    }

    func testAnUnreadableCAFileIsASetupFailure() async throws {
        let port = try liveClosedPort()
        let error = await failure("https://127.0.0.1:\(port)/", caFile: "/nonexistent/ca.pem")
        XCTAssertEqual(error, .tls("TLS setup failed: CA certificates not loaded"))
    }
}
