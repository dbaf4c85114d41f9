import BalanceCore

/// Alibaba Cloud error codes → the engine's failure reasons, by `Code` and
/// never by HTTP status: the documentation's tables give different statuses
/// for the same code (`SignatureDoesNotMatch` 400 or 403,
/// `InvalidAccessKeyId.NotFound` 404 or 400).
///
/// Codes from https://help.aliyun.com/document_detail/472991.html (the
/// action's own list), https://help.aliyun.com/document_detail/435312.html and
/// https://help.aliyun.com/document_detail/51132.html (the gateway's), and
/// https://help.aliyun.com/en/document_detail/434846.html (timestamps).
enum AlibabaErrorCode {
    /// The key belongs to the other site's account system (China site vs.
    /// international site), or the account type cannot use this API.
    static let notApplicable = "NotApplicable"
    static let timestampExpired = "InvalidTimeStamp.Expired"
    /// Temporary credentials rejected (expired, revoked, malformed): refresh
    /// them once and retry once.
    static let securityTokenPrefix = "InvalidSecurityToken"

    /// A bad signature, an unknown, disabled or mismatched key or token: the
    /// credentials are wrong.
    static let authCodes: Set<String> = [
        "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureMethod",
        "InvalidAccessKeyId", "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive",
    ]
    /// The credentials are valid but the RAM user or role lacks the permission.
    static let permissionCodes: Set<String> = ["NoPermission", "Forbidden.RAM", "NotAuthorized"]

    /// The upstream refused the security token of temporary credentials.
    static func isSecurityTokenRejection(_ error: ProviderError) -> Bool {
        error.code?.hasPrefix(securityTokenPrefix) == true
    }

    static func reason(for code: String) -> FailureReason {
        if authCodes.contains(code) || code.hasPrefix(securityTokenPrefix) { return .auth }
        if permissionCodes.contains(code) { return .permission }
        if code == "Throttling" || code.hasPrefix("Throttling.") { return .throttled }
        if code == timestampExpired { return .clock }
        // NotApplicable (the other site), InternalError (400 for BSS, yet transient), UndefinedError,
        // ServiceUnavailable, SignatureNonceUsed (a new nonce fixes it) and anything undocumented:
        // retried with the engine's normal backoff.
        return .upstream_error
    }

    /// What the operator should do, put in front of the upstream's message so
    /// that it survives the message's cut.
    static func advice(for code: String) -> String? {
        switch reason(for: code) {
        case .permission:
            return "the RAM user or role needs bss:DescribeAcccount or bssapi:QueryAccountBalance (system policy AliyunBSSReadOnlyAccess)"
        case .clock:
            return "x-acs-date is more than 15 minutes off the server's clock: check this host's clock"
        default:
            guard code == notApplicable else { return nil }
            return "the key's account is not served by this endpoint: China-site (aliyun.com) accounts use "
                + "\(AlibabaCloud.chinaEndpoint), international-site (alibabacloud.com) accounts use "
                + "\(AlibabaCloud.internationalEndpoint); set the account's endpoint to the other site"
        }
    }
}
