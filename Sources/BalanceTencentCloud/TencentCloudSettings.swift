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
        var settings = AccountSettings(account)
        func parseEndpoint(_ key: String, _ text: String, service: String) -> TencentEndpoint? {
            let endpoint = TencentEndpoint(text, defaultService: service)
            if endpoint == nil { settings.problem(key, "not an http:// or https:// URL with a host: \(text)") }
            return endpoint
        }

        let endpoint = parseEndpoint("endpoint", account.endpoint, service: "billing")
        let id = settings.text("secret_id"), key = settings.text("secret_key"), token = settings.text("token")
        switch (id, key) {
        case let (id?, key?): keys = ExplicitKeys(secretId: id, secretKey: key, token: token)
        case (nil, nil):
            keys = nil
            if token != nil { settings.problem("token", "set without secret_id and secret_key") }
        case (nil, _): keys = nil; settings.problem("secret_id", "required when secret_key is set")
        case (_, nil): keys = nil; settings.problem("secret_key", "required when secret_id is set")
        }

        tempCredit = account.bool("temp_credit") ?? false
        region = settings.text("region")
        language = settings.text("language")
        if let language, !Self.languages.contains(language) {
            settings.problem("language", "must be zh-CN or en-US, not \(language)")
        }

        let stsEndpoint = parseEndpoint("sts_endpoint", settings.text("sts_endpoint") ?? "https://sts.tencentcloudapi.com", service: "sts")
        let duration = account.duration("role_duration") ?? Self.defaultRoleDuration
        if let arn = settings.text("role_arn") {
            if !(duration >= 1 && duration <= Self.maxRoleDuration) {
                settings.problem("role_duration", "must be between 1s and 12h (STS limit), not \(duration)s")
            }
            role = stsEndpoint.map {
                TencentAssumeRoleCredentials.Role(arn: arn, sessionName: settings.text("role_session_name") ?? "balance-exporter",
                      durationSeconds: Int(duration.rounded()), endpoint: $0, region: settings.text("sts_region") ?? "ap-guangzhou")
            }
        } else {
            role = nil
            if settings.text("role_session_name") != nil { settings.problem("role_session_name", "set without role_arn") }
        }

        metadataEndpoint = settings.text("metadata_endpoint") ?? "http://metadata.tencentyun.com"
        _ = parseEndpoint("metadata_endpoint", metadataEndpoint, service: "")
        requestTimeout = settings.requestTimeout(default: defaultTimeout)

        try settings.finish()
        guard let endpoint else { throw ConfigProblems(settings.problems) }
        self.endpoint = endpoint
    }
}
