import BalanceCore

/// Huawei Cloud error codes → the engine's failure reasons.
///
/// The API gateway's codes (`APIGW.` on the shared gateway, `APIG.` in some
/// documents and on dedicated gateways: both are matched,
/// https://support.huaweicloud.com/intl/en-us/usermanual-apig/apig_03_0048.html)
/// and BSS's (https://support.huaweicloud.com/intl/zh-cn/api-oce/zh-cn_topic_0081766005.html).
enum HuaweiErrorCode {
    /// Authentication failed: wrong or unknown key, bad signature, expired
    /// signature (see `isSignatureExpired`), key locked after repeated failures.
    static let authentication = "0301"
    /// The gateway's throttling: `policy user over ratelimit`, `policy ip over ratelimit`.
    static let throttling = "0308"
    /// BSS: the key lacks `bss:balance:view`.
    static let accessDenied = "CBC.0151"
    /// BSS: the account belongs to another site (China, international, Europe).
    static let wrongSite = "CBC.0156"

    static func reason(code: String, message: String) -> FailureReason {
        switch gatewayCode(code) ?? code {
        case authentication: return isSignatureExpired(message) ? .clock : .auth
        case throttling: return .throttled
        case accessDenied: return .permission
        // The Keystone-style envelope of IAM (`{"error": {"code": 401, ...}}`) carries the HTTP status as its code.
        case "401": return .auth
        case "403": return .permission
        // CBC.0156 (wrong site), the other gateway and BSS codes and anything undocumented.
        default: return .upstream_error
        }
    }

    /// `0301` for `APIGW.0301` and `APIG.0301`; nil for a code that is not the gateway's.
    static func gatewayCode(_ code: String) -> String? {
        for prefix in ["APIGW.", "APIG."] where code.hasPrefix(prefix) {
            return String(code.dropFirst(prefix.count))
        }
        return nil
    }

    /// `calc aksk signature fail:signature expired, signature time:...,server time:...`:
    /// the host's clock is more than 15 minutes off the gateway's.
    static func isSignatureExpired(_ message: String) -> Bool {
        message.lowercased().contains("signature expired")
    }

    /// `token expires, expires_at: ...`: the temporary keys' security token has expired.
    static func isTokenExpired(_ error: ProviderError) -> Bool {
        error.reason == .auth && error.message.lowercased().contains("token expires")
    }

    /// `AK access failed to reach the limit,forbidden`: the key is locked for five minutes.
    static func isLockedOut(_ message: String) -> Bool {
        message.lowercased().contains("failed to reach the limit")
    }
}
