import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import BalanceExporter

/// How URLSession's failures become the engine's reasons. The live tests
/// cover refused connections, timeouts and oversized bodies over real
/// sockets; an unresolvable host cannot be produced here without asking a
/// DNS server off this machine, so its mapping is checked directly.
final class HTTPTransportTests: XCTestCase {
    func testURLErrorsMapToReasonsWithoutTheURL() {
        let cases: [(URLError.Code, String)] = [
            (.cannotFindHost, "host not found"), (.dnsLookupFailed, "host not found"),
            (.cannotConnectToHost, "connection refused"), (.networkConnectionLost, "connection lost"),
            (.serverCertificateUntrusted, "TLS handshake failed"),
        ]
        for (code, text) in cases {
            let error = URLError(code, userInfo: [NSURLErrorFailingURLStringErrorKey: "https://user:secret@example.com/"])
            XCTAssertEqual(URLSessionTransport.describe(error), text)
            XCTAssertEqual(TransportError.network(text).reason, .network)
            XCTAssertFalse(URLSessionTransport.describe(error).contains("secret"))
        }
        XCTAssertEqual(TransportError.timeout.reason, .timeout)
        XCTAssertEqual(TransportError.bodyTooLarge(1 << 20).reason, .bad_response)
    }
}
