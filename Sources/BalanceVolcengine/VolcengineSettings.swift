import BalanceCore
import BalanceHTTP
import BalanceSupport

/// One Volcengine (or BytePlus) account's settings, validated from its
/// `AccountConfig`: pure. Every problem of the account is reported at once.
struct VolcengineSettings: Sendable {
    /// The OpenAPI endpoint, its path at least `/`, no query (the request's own replaces it).
    var endpoint: HTTPURL
    /// The account's own keys; nil: the SDKs' environment.
    var keys: VolcengineCredentials?
    /// The credential scope's region, for billing and STS alike.
    var region: String
    var role: VolcengineRole?
    var stsEndpoint: HTTPURL
    var requestTimeout: Double

    /// What STS accepts as `RoleSessionName` (https://www.volcengine.com/docs/6257/86374):
    /// 2 to 64 of letters, digits and `_+=,.@-`.
    static let sessionNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-")
    static let sessionNameLength = 2...64
    static let defaultSessionName = "balance-exporter"

    init(account: AccountConfig, defaultTimeout: Double) throws(ConfigProblems) {
        var settings = AccountSettings(account)
        func parseEndpoint(_ key: String, default fallback: String? = nil) -> HTTPURL? {
            guard var url = settings.url(key, default: fallback) else { return nil }
            guard url.query == nil else {
                settings.problem(key, "must not have a query (the request's Action and Version go there)")
                return nil
            }
            if url.path.isEmpty { url.path = "/" }
            return url
        }
        let endpoint = parseEndpoint("endpoint")

        let id = settings.text("access_key"), secret = settings.text("secret_key"), token = settings.text("session_token")
        switch (id, secret) {
        case let (id?, secret?):
            keys = VolcengineCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token, source: "account config")
        case (nil, nil):
            keys = nil
            if token != nil { settings.problem("session_token", "set without access_key and secret_key") }
        case (nil, _): keys = nil; settings.problem("access_key", "required when secret_key is set")
        case (_, nil): keys = nil; settings.problem("secret_key", "required when access_key is set")
        }

        region = settings.text("region") ?? Volcengine.defaultRegion
        // Part of the credential scope `date/region/service/request`: a slash would change its meaning.
        if !region.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0)
                || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) {
            settings.problem("region", "must be a region name such as cn-beijing or ap-singapore-1, not \(region)")
        }

        let stsEndpoint = parseEndpoint("sts_endpoint", default: Volcengine.defaultSTSEndpoint)
        let duration = account.duration("role_duration") ?? Double(Volcengine.defaultRoleDurationSeconds)
        let sessionName = settings.text("role_session_name")
        if let trn = settings.text("role_trn") {
            if !(trn.hasPrefix("trn:iam::") && trn.contains(":role/")) {
                settings.problem("role_trn", "must be a role TRN, trn:iam::<account id>:role/<role name>, not \(trn)")
            }
            let range = Volcengine.roleDurationSeconds
            if !(duration >= Double(range.lowerBound) && duration <= Double(range.upperBound)) {
                settings.problem("role_duration", "must be between 15m and 12h (STS limits), not \(duration)s")
            }
            let name = sessionName ?? Self.defaultSessionName
            if !Self.sessionNameLength.contains(name.count) || !name.allSatisfy(Self.sessionNameCharacters.contains) {
                settings.problem("role_session_name", "must be 2 to 64 letters, digits or _+=,.@- characters")
            }
            role = VolcengineRole(trn: trn, sessionName: name, durationSeconds: Int(duration.rounded()))
        } else {
            role = nil
            for key in ["role_session_name", "role_duration"] where account.values[key] != nil {
                settings.problem(key, "set without role_trn")
            }
        }
        requestTimeout = settings.requestTimeout(default: defaultTimeout)

        try settings.finish()
        guard let endpoint, let stsEndpoint else { throw ConfigProblems(settings.problems) }
        self.endpoint = endpoint
        self.stsEndpoint = stsEndpoint
    }
}
