import XCTest
@testable import BalanceCore
@testable import BalanceHTTP

/// The transport knows nothing of accounts; Core maps its failures to the
/// engine's reasons.
final class TransportFailureTests: XCTestCase {
    func testFailuresMapToTheEnginesReasons() {
        for text in ["host not found", "connection refused", "connection lost", "bad server response",
                     "proxy: connection refused", "proxy answered CONNECT with HTTP 403"] {
            XCTAssertEqual(FailureReason(TransportError.network(text)), .network)
        }
        XCTAssertEqual(FailureReason(TransportError.tls("TLS handshake failed: hostname mismatch")), .tls)
        XCTAssertEqual(FailureReason(TransportError.proxy("the proxy refused the proxy credentials")), .proxy)
        XCTAssertTrue(FailureReason.proxy.isPersistent, "wrong proxy credentials need the operator, as wrong account credentials do")
        XCTAssertEqual(FailureReason(TransportError.cancelled), .network)
        XCTAssertEqual(FailureReason(TransportError.timeout), .timeout)
        XCTAssertEqual(FailureReason(TransportError.bodyTooLarge(1 << 20)), .bad_response)
        XCTAssertEqual(TransportError.bodyTooLarge(1 << 20).description, "response body larger than 1048576 bytes")
    }
}
