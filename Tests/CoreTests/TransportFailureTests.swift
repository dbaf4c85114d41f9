import XCTest
@testable import BalanceCore
@testable import BalanceHTTP

/// The transport knows nothing of accounts; Core maps its failures to the
/// engine's reasons.
final class TransportFailureTests: XCTestCase {
    func testFailuresMapToTheEnginesReasons() {
        for text in ["host not found", "connection refused", "connection lost", "TLS handshake failed", "bad server response"] {
            XCTAssertEqual(FailureReason(TransportError.network(text)), .network)
        }
        XCTAssertEqual(FailureReason(TransportError.cancelled), .network)
        XCTAssertEqual(FailureReason(TransportError.timeout), .timeout)
        XCTAssertEqual(FailureReason(TransportError.bodyTooLarge(1 << 20)), .bad_response)
        XCTAssertEqual(TransportError.bodyTooLarge(1 << 20).description, "response body larger than 1048576 bytes")
    }
}
