import BalanceCore
import BalanceHTTP
import BalanceSupport

/// One Alibaba Cloud account's settings, validated from its `AccountConfig`:
/// pure; every problem of the account is reported at once.
struct AlibabaCloudSettings: Sendable {
    var endpoint: AlibabaEndpoint
    /// `access_key_id`/`access_key_secret` (+ `security_token`); nil: the credential chain.
    var keys: AlibabaCredentials?
    /// `role_arn`: STS `AssumeRole` on top of the keys or the chain.
    var role: AlibabaRole?
    /// `GetCallerIdentity` and `AssumeRole` go here.
    var stsEndpoint: AlibabaEndpoint
    var metadataEndpoint: HTTPURL
    /// For `role_arn` and a credentials file's `ram_role_arn` profile without its own.
    var roleSessionName: String
    var roleDuration: Int
    var requestTimeout: Double
    /// The account configures `uin`: no `GetCallerIdentity` call.
    var pinsUIN: Bool

    static let defaultRoleSessionName = "balance-exporter"
    /// The SDKs' default `DurationSeconds`.
    static let defaultRoleDuration = 3600.0
    /// STS accepts 900 s up to the role's maximum session, at most 12 h
    /// (https://help.aliyun.com/en/ram/developer-reference/api-sts-2015-04-01-assumerole).
    static let roleDurations = 900.0...43200.0
    /// `RoleSessionName`: 2 to 64 letters, digits, `.`, `@`, `-`, `_` (same page).
    static let sessionNameBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@-_".utf8)
    /// Region IDs (`cn-hangzhou`, `ap-southeast-1`): lower-case letters, digits, `-`.
    static let regionBytes = Set("abcdefghijklmnopqrstuvwxyz0123456789-".utf8)

    init(account: AccountConfig, defaultTimeout: Double) throws(ConfigProblems) {
        var settings = AccountSettings(account)
        func parseEndpoint(_ key: String, _ text: String) -> AlibabaEndpoint? {
            let endpoint = AlibabaEndpoint(text)
            if endpoint == nil { settings.problem(key, "not an http:// or https:// URL with a host and without a query: \(text)") }
            return endpoint
        }

        let endpoint = parseEndpoint("endpoint", account.endpoint)
        let id = settings.text("access_key_id"), secret = settings.text("access_key_secret"), token = settings.text("security_token")
        switch (id, secret) {
        case let (id?, secret?):
            keys = AlibabaCredentials(accessKeyId: id, accessKeySecret: secret, securityToken: token, source: "account config")
        case (nil, nil):
            keys = nil
            if token != nil { settings.problem("security_token", "set without access_key_id and access_key_secret") }
        case (nil, _): keys = nil; settings.problem("access_key_id", "required when access_key_secret is set")
        case (_, nil): keys = nil; settings.problem("access_key_secret", "required when access_key_id is set")
        }

        let stsRegion = settings.text("sts_region")
        if let stsRegion, !stsRegion.utf8.allSatisfy(Self.regionBytes.contains) || stsRegion.utf8.count > 64 {
            settings.problem("sts_region", "not a region ID such as cn-hangzhou: \(stsRegion)")
        }
        let stsText: String
        if let configured = settings.text("sts_endpoint") {
            if stsRegion != nil { settings.problem("sts_region", "set together with sts_endpoint: give one of them") }
            stsText = configured
        } else {
            stsText = stsRegion.map(AlibabaCloud.stsEndpoint(region:)) ?? AlibabaCloud.defaultSTSEndpoint
        }
        let stsEndpoint = parseEndpoint("sts_endpoint", stsText)

        roleSessionName = settings.text("role_session_name") ?? Self.defaultRoleSessionName
        if !(2...64).contains(roleSessionName.utf8.count) || !roleSessionName.utf8.allSatisfy(Self.sessionNameBytes.contains) {
            settings.problem("role_session_name", "must be 2 to 64 letters, digits or . @ - _, not \(roleSessionName)")
        }
        let duration = account.duration("role_duration") ?? Self.defaultRoleDuration
        if !Self.roleDurations.contains(duration) {
            settings.problem("role_duration", "must be between 15m and 12h (STS limits), not \(duration)s")
        }
        roleDuration = Int(duration.rounded())
        if let arn = settings.text("role_arn") {
            if !arn.hasPrefix("acs:ram::") || !arn.contains(":role/") {
                settings.problem("role_arn", "not a RAM role ARN (acs:ram::<account id>:role/<name>): \(arn)")
            }
            role = AlibabaRole(arn: arn, sessionName: roleSessionName, durationSeconds: roleDuration)
        } else {
            role = nil
        }

        let metadataEndpoint = settings.url("metadata_endpoint", default: AlibabaCloud.defaultMetadataEndpoint)
        requestTimeout = settings.requestTimeout(default: defaultTimeout)
        pinsUIN = account.uin != nil

        try settings.finish()
        guard let endpoint, let stsEndpoint, let metadataEndpoint else { throw ConfigProblems(settings.problems) }
        self.endpoint = endpoint
        self.stsEndpoint = stsEndpoint
        self.metadataEndpoint = metadataEndpoint
    }
}
