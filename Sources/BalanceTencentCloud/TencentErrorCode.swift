import BalanceCore
import BalanceHTTP

/// Tencent Cloud API 3.0 error codes → the engine's failure reasons.
///
/// Groups from the API's common error codes
/// (https://www.tencentcloud.com/document/api/555/19178) and the action's own
/// list (https://www.tencentcloud.com/document/api/555/50383).
enum TencentErrorCode {
    /// Temporary credentials (STS, CVM role) expired: refresh them and retry once.
    static let tokenFailure = "AuthFailure.TokenFailure"
    /// The request's timestamp is more than 5 minutes off the server's.
    static let signatureExpire = "AuthFailure.SignatureExpire"

    static func reason(for code: String) -> FailureReason {
        if code == signatureExpire { return .clock }
        if code.hasPrefix("UnauthorizedOperation") || code == "AuthFailure.UnauthorizedOperation" { return .permission }
        if code.hasPrefix("AuthFailure") || code == "IpNotInWhitelist" || code == "InvalidAction"
            || code.hasPrefix("InvalidParameter") || code == "NoSuchVersion" || code.hasPrefix("UnsupportedOperation") {
            return .auth
        }
        if code.hasPrefix("RequestLimitExceeded") { return .throttled }
        // InternalError*, ServiceUnavailable, ResourceUnavailable are transient; FailedOperation* and
        // anything undocumented are upstream errors too: retried with the engine's normal backoff.
        return .upstream_error
    }
}
