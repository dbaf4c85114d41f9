import BalanceCore
import BalanceHTTP
import BalanceSupport

/// One Huawei Cloud account's settings, validated from its `AccountConfig`: pure.
struct HuaweiCloudSettings: Sendable {
    var endpoint: HTTPURL
    /// The account's own keys; nil: the credential chain.
    var keys: HuaweiCredentials?
    /// The configured account (domain) id: sent as `X-Domain-Id`, the `uin` label, no IAM call.
    var domainId: String?
    /// The configured IAM endpoint, else `HuaweiCloud.defaultIAMEndpoint`.
    var iamEndpoint: HTTPURL
    /// False: the credential profile's `iam_endpoint`, when it has one, comes before the default.
    var iamEndpointConfigured: Bool
    var metadataEndpoint: HTTPURL
    var requestTimeout: Double

    init(account: AccountConfig, defaultTimeout: Double) throws(ConfigProblems) {
        var settings = AccountSettings(account)
        let endpoint = settings.url("endpoint")

        // The keys go into request headers: no control characters (no CR/LF injection).
        let accessKey = settings.headerText("access_key"), secretKey = settings.text("secret_key")
        let token = settings.headerText("security_token")
        switch (accessKey, secretKey) {
        case let (ak?, sk?):
            keys = HuaweiCredentials(accessKey: ak, secretKey: sk, securityToken: token, source: "account config")
        case (nil, nil):
            keys = nil
            if token != nil { settings.problem("security_token", "set without access_key and secret_key") }
        case (nil, _): keys = nil; settings.problem("access_key", "required when secret_key is set")
        case (_, nil): keys = nil; settings.problem("secret_key", "required when access_key is set")
        }

        domainId = settings.text("domain_id")
        if let domainId, !HuaweiIdentityResponse.isDomainId(domainId) {
            settings.problem("domain_id", "must be the account ID (letters, digits, - and _, at most \(HuaweiIdentityResponse.maxDomainIdLength))")
        }
        iamEndpointConfigured = settings.text("iam_endpoint") != nil
        let iamEndpoint = settings.url("iam_endpoint", default: HuaweiCloud.defaultIAMEndpoint)
        let metadataEndpoint = settings.url("metadata_endpoint", default: HuaweiCloud.defaultMetadataEndpoint)
        requestTimeout = settings.requestTimeout(default: defaultTimeout)

        try settings.finish()
        guard let endpoint, let iamEndpoint, let metadataEndpoint else { throw ConfigProblems(settings.problems) }
        self.endpoint = endpoint
        self.iamEndpoint = iamEndpoint
        self.metadataEndpoint = metadataEndpoint
    }
}
