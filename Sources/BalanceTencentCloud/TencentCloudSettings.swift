import BalanceCore
import BalanceSupport

/// One Tencent Cloud account's settings, validated from its `AccountConfig`: pure.
struct TencentCloudSettings: Sendable {
    struct ExplicitKeys: Sendable, Equatable {
        var secretId: String
        var secretKey: String
        var token: String?
    }

    var endpoint: TencentEndpoint
    var keys: ExplicitKeys?
    var tempCredit: Bool
    var region: String?
    var language: String?
    var role: TencentAssumeRoleCredentials.Role?
    var metadataEndpoint: String
    var requestTimeout: Double

    static let defaultRoleDuration = 7200.0
    /// STS caps `DurationSeconds` at 43200 (12 h).
    static let maxRoleDuration = 43200.0
    static let languages: Set<String> = ["zh-CN", "en-US"]

    init(account: AccountConfig, defaultTimeout: Double) throws(ConfigProblems) {
        let location = "accounts (\(account.name))"
        var problems: [ConfigProblem] = []
        func problem(_ key: String?, _ message: String) {
            problems.append(ConfigProblem(location: location, key: key, message: message))
        }
        func nonEmpty(_ key: String) -> String? {
            account.string(key).map { $0.trimmingASCIIWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        }

        let endpoint = TencentEndpoint(account.endpoint, defaultService: "billing")
        if endpoint == nil { problem("endpoint", "not an http(s) URL with a host: \(account.endpoint)") }

        let id = nonEmpty("secret_id"), key = nonEmpty("secret_key"), token = nonEmpty("token")
        switch (id, key) {
        case let (id?, key?): keys = ExplicitKeys(secretId: id, secretKey: key, token: token)
        case (nil, nil):
            keys = nil
            if token != nil { problem("token", "set without secret_id and secret_key") }
        case (nil, _): keys = nil; problem("secret_id", "required when secret_key is set")
        case (_, nil): keys = nil; problem("secret_key", "required when secret_id is set")
        }

        tempCredit = account.bool("temp_credit") ?? false
        region = nonEmpty("region")
        language = nonEmpty("language")
        if let language, !Self.languages.contains(language) {
            problem("language", "must be zh-CN or en-US, not \(language)")
        }

        let stsEndpointText = nonEmpty("sts_endpoint") ?? "https://sts.tencentcloudapi.com"
        let stsEndpoint = TencentEndpoint(stsEndpointText, defaultService: "sts")
        if stsEndpoint == nil { problem("sts_endpoint", "not an http(s) URL with a host: \(stsEndpointText)") }
        let duration = account.duration("role_duration") ?? Self.defaultRoleDuration
        if let arn = nonEmpty("role_arn") {
            if !(duration >= 1 && duration <= Self.maxRoleDuration) {
                problem("role_duration", "must be between 1s and 12h (STS limit), not \(duration)s")
            }
            if let stsEndpoint {
                role = .init(arn: arn, sessionName: nonEmpty("role_session_name") ?? "balance-exporter",
                             durationSeconds: Int(duration.rounded()), endpoint: stsEndpoint,
                             region: nonEmpty("sts_region") ?? "ap-guangzhou")
            } else {
                role = nil
            }
        } else {
            role = nil
            if nonEmpty("role_session_name") != nil { problem("role_session_name", "set without role_arn") }
        }

        metadataEndpoint = nonEmpty("metadata_endpoint") ?? "http://metadata.tencentyun.com"
        if TencentEndpoint(metadataEndpoint, defaultService: "") == nil {
            problem("metadata_endpoint", "not an http(s) URL with a host: \(metadataEndpoint)")
        }
        requestTimeout = account.duration("request_timeout") ?? defaultTimeout
        if !(requestTimeout > 0) { problem("request_timeout", "must be positive") }

        guard problems.isEmpty, let endpoint else { throw ConfigProblems(problems) }
        self.endpoint = endpoint
    }
}
