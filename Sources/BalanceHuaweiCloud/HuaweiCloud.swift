import BalanceCore
import BalanceSupport

/// The Huawei Cloud provider: the prepaid balances of BSS
/// `ShowCustomerAccountBalances`
/// (https://support.huaweicloud.com/intl/en-us/api-oce/mac_00001.html), signed
/// with SDK-HMAC-SHA256 (`HuaweiSigner`). What the wiring needs to know:
///
/// - **Endpoints.** BSS is global (no region, none in the signature): China site
///   `https://bss.myhuaweicloud.com`, international site
///   `https://bss-intl.myhuaweicloud.com`, Huawei Cloud Europe
///   `https://bss.myhuaweicloud.eu`. An account called at the wrong site gets
///   403 `CBC.0156` (https://support.huaweicloud.com/intl/zh-cn/api-oce/zh-cn_topic_0081766005.html).
///   IAM, for the domain id: `https://iam.myhuaweicloud.com`. ECS metadata:
///   `http://169.254.169.254`.
/// - **Rate limit.** 10 requests/s per source IP, per API and per account
///   (https://support.huaweicloud.com/api-oce/fci_00002.html), shared by every
///   key of one account and everything behind one egress IP: hence one limit
///   for the whole provider, half of it by default. Beyond it: 429 `APIGW.0308`
///   (retries are said to count against the quota too).
/// - **Lock-out.** After five consecutive authentication failures Huawei locks
///   the access key for five minutes, correct requests included
///   (https://support.huaweicloud.com/intl/en-us/ocr_faq/ocr_01_0063.html): count
///   `auth` and `clock` failures per access key, shared by every account using it.
/// - **Clock.** `X-Sdk-Date` must be within 15 minutes of the gateway's clock
///   (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0003.html);
///   its `Date` response header shows the skew (`HuaweiResponse.serverClockOffset`).
/// - **Credentials**, unless the account gives keys, in the official SDK's order
///   (https://github.com/huaweicloud/huaweicloud-sdk-python-v3, `core/auth/provider.py`):
///   the environment (`HuaweiProfile.environment`), the credentials file
///   (`HuaweiCredentialsFile`), then the ECS metadata temporary keys
///   (`HuaweiMetadataCredentials`; valid an hour and rotated ten minutes
///   before they expire, https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0166.html).
/// - **Permission.** IAM action `bss:balance:view`, or the system policy
///   `BSS ReadOnlyAccess` (https://support.huaweicloud.com/eu/api-oce/jac_00006.html).
/// - **The `uin` label** is the account's domain id: the configured
///   `domain_id`, else one signed IAM `GET /v3/auth/domains` per credential
///   (`HuaweiIdentityResponse`), which a least-privilege key may be refused.
///   The balance answer names no account (its `account_id`s are per-type book ids).
package enum HuaweiCloud {
    /// The `provider` value in the configuration and the `provider` label.
    package static let providerName = "huaweicloud"

    /// The limit is counted per source IP, API and account (domain), not per
    /// access key: every Huawei account one exporter reads shares its egress
    /// IP, so the provider-wide default is half the documented limit.
    package static let schema = makeSchema(keyFailures: HuaweiKeyFailures())

    /// The schema with its own record of access-key failures, shared by every
    /// account it builds (and kept across configuration reloads).
    package static func makeSchema(keyFailures: HuaweiKeyFailures) -> ProviderSchema {
        ProviderSchema(
            name: providerName,
            defaultEndpoint: defaultEndpoint,
            keys: [
                ConfigKeySpec("access_key", .string, secret: true),
                ConfigKeySpec("secret_key", .string, secret: true),
                ConfigKeySpec("security_token", .string, secret: true),
                ConfigKeySpec("domain_id", .string),
                ConfigKeySpec("iam_endpoint", .string),
                ConfigKeySpec("metadata_endpoint", .string),
                ConfigKeySpec("request_timeout", .duration),
            ],
            defaultRequestsPerSecond: defaultRequestsPerSecond,
            defaultMaxConcurrency: 4,
            // Without access_key, the credential chain (environment, credentials file, ECS agency): the same for every such account.
            identityKeys: ["access_key"],
            // The variables of the official SDK's environment provider.
            environmentAccount: EnvironmentAccount(
                required: [.init("HUAWEICLOUD_SDK_AK", key: "access_key"), .init("HUAWEICLOUD_SDK_SK", key: "secret_key")],
                optional: [.init("HUAWEICLOUD_SDK_SECURITY_TOKEN", key: "security_token"),
                           .init("HUAWEICLOUD_SDK_DOMAIN_ID", key: "domain_id")]),
            make: { account, context throws(ConfigProblems) in
                try makeClient(account: account, context: context, keyFailures: keyFailures)
            })
    }

    /// Builds a client; `readFile` reads the SDK's credentials file (injected for tests).
    package static func makeClient(account: AccountConfig, context: ProviderContext, keyFailures: HuaweiKeyFailures,
                                   readFile: @escaping @Sendable (String) -> String? = readTextFile) throws(ConfigProblems) -> HuaweiCloudClient {
        let settings = try HuaweiCloudSettings(account: account, defaultTimeout: context.requestTimeout)
        let credentials: any HuaweiCredentialProvider
        if let keys = settings.keys {
            credentials = HuaweiStaticCredentials(value: HuaweiProfile(credentials: keys, domainId: nil, iamEndpoint: nil))
        } else {
            let metadata = HuaweiAgencyCredentials(metadataEndpoint: settings.metadataEndpoint, transport: context.transport,
                                                   clock: context.clock, timeout: settings.requestTimeout)
            credentials = HuaweiCredentialsChain(environment: context.environment, readFile: readFile, agency: metadata)
        }
        return HuaweiCloudClient(account: account, settings: settings, credentials: credentials, keyFailures: keyFailures,
                                 context: context)
    }

    @Sendable static func readTextFile(_ path: String) -> String? {
        guard let bytes = try? SecretFile.read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    package static let chinaEndpoint = "https://bss.myhuaweicloud.com"
    package static let internationalEndpoint = "https://bss-intl.myhuaweicloud.com"
    package static let europeEndpoint = "https://bss.myhuaweicloud.eu"
    package static let defaultEndpoint = chinaEndpoint
    package static let defaultIAMEndpoint = "https://iam.myhuaweicloud.com"
    package static let defaultMetadataEndpoint = "http://169.254.169.254"

    /// The documented limit of the balance API, requests per second.
    package static let documentedRequestsPerSecond = 10.0
    /// Half the documented limit, provider-wide (`requests_per_second`): it counts per source IP too
    /// (https://support.huaweicloud.com/api-oce/fci_00002.html), so every account behind one exporter
    /// shares it, and no per-identity limit would be looser.
    package static let defaultRequestsPerSecond = documentedRequestsPerSecond / 2

    /// Consecutive authentication failures after which Huawei locks a key, and for how long.
    package static let lockoutFailures = 5
    package static let lockoutSeconds = 300.0

    /// How far `X-Sdk-Date` may be from the gateway's clock.
    package static let allowedClockSkew = 900.0

    /// The BSS sites, for the message that names the other one after `CBC.0156`.
    static let sites = [chinaEndpoint, internationalEndpoint, europeEndpoint]
}
