import BalanceCore

/// Volcengine error codes (`ResponseMetadata.Error.Code`) → the engine's
/// failure reasons, as the provider's issue prescribes them. Codes from the
/// common error codes (https://www.volcengine.com/docs/6369/68677) and the
/// action's own list (https://www.volcengine.com/docs/6269/1223898).
enum VolcengineErrorCode {
    /// A temporary credential's token is wrong or expired: refresh it, then retry once.
    static let invalidSecretToken = "InvalidSecretToken"
    /// `X-Date` too far from the server's clock.
    static let invalidTimestamp = "InvalidTimestamp"

    static let reasons: [String: FailureReason] = [
        "SignatureDoesNotMatch": .auth,
        "InvalidAccessKey": .auth,
        invalidSecretToken: .auth,
        "AccessDenied": .permission,
        "FlowLimitExceeded": .throttled,
        invalidTimestamp: .clock,
    ]

    /// Any other code (5xx ones such as `InternalError` included) is an
    /// `upstream_error`, except with HTTP 429, which is throttling for every provider.
    static func reason(for code: String, status: Int) -> FailureReason {
        reasons[code] ?? (status == 429 ? .throttled : .upstream_error)
    }
}
