import BalanceCore
import BalanceSupport

/// The Alibaba Cloud provider: the prepaid balance from BssOpenApi
/// `QueryAccountBalance` (API version 2017-12-14), signed with
/// ACS3-HMAC-SHA256 (signature V3). This file holds the facts the client,
/// its settings and its credentials are built on; the other files are the
/// pure pieces (signer, request builder, response parsers, mapping, metric
/// descriptors).
///
/// Endpoints (https://www.alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-queryaccountbalance):
/// - `https://business.aliyuncs.com` for accounts of the China site (aliyun.com),
///   `https://business.ap-southeast-1.aliyuncs.com` for the international site
///   (alibabacloud.com). The site the account was registered on decides, not the
///   region of its resources. A key of the other site is answered `NotApplicable`
///   (HTTP 400): that is a configuration error; never switch sites automatically.
/// - STS (`GetCallerIdentity`, `AssumeRole`, version 2015-04-01):
///   `https://sts.aliyuncs.com`, or `https://sts.<region>.aliyuncs.com`
///   (`stsEndpoint(region:)`), as the credentials SDK builds it
///   (https://github.com/aliyun/credentials-python, `provider/ram_role_arn.py`).
/// - ECS instance metadata: `http://100.100.100.200`
///   (https://github.com/aliyun/credentials-python, `provider/ecs_ram_role.py`).
/// - Use HTTPS for the APIs (https://help.aliyun.com/document_detail/2593177.html).
///
/// Rate limit: `QueryAccountBalance` allows 10 requests/s, counted per
/// `regionId, API, ParentUid`: the main account, so every RAM user and key of
/// one account shares it
/// (https://alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-quota).
/// The exporter's default is half of it, provider-wide until limits per
/// identity exist, then per main account (the `AccountId` of
/// `GetCallerIdentity` is that main account). `GetCallerIdentity` counts
/// against STS, not BSS, and needs no RAM permission
/// (https://help.aliyun.com/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity).
///
/// RAM permission for the balance: `bss:DescribeAcccount` (three c's) or
/// `bssapi:QueryAccountBalance` on `*`; the system policy
/// `AliyunBSSReadOnlyAccess` covers it (https://help.aliyun.com/knowledge_detail/139650.html).
///
/// The `uin` label: the account's configured `uin` pins it (then no identity
/// call is made); else `AccountId` of STS `GetCallerIdentity`, one signed call
/// per credential, cached; else the account name until then. The balance
/// answer carries no account id.
///
/// Credentials, unless the account gives `access_key_id`/`access_key_secret`
/// (+ `security_token`), in the order of the official credentials SDKs
/// (https://github.com/aliyun/credentials-go, `credentials/providers/default.go`):
/// 1. the environment: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
///    optional `ALIBABA_CLOUD_SECURITY_TOKEN` (`AlibabaCredentialSources.environment`);
/// 2. the credentials file, INI: `ALIBABA_CLOUD_CREDENTIALS_FILE`, else
///    `~/.alibabacloud/credentials` (Go SDK) and `~/.alibabacloud/credentials.ini`
///    (Python SDK); section `ALIBABA_CLOUD_PROFILE`, else `default`
///    (`AlibabaCredentialSources.profile`);
/// 3. the ECS instance RAM role from the metadata service, IMDSv2 token first
///    (`AlibabaInstanceMetadata`); `ALIBABA_CLOUD_ECS_METADATA` names the role,
///    `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` skips this source,
///    `ALIBABA_CLOUD_IMDSV1_DISABLED=true` forbids falling back to requests
///    without a token.
/// Temporary credentials count as stale `credentialsRefreshMargin` before their
/// `Expiration`, as the SDKs refresh them. With `role_arn`, STS `AssumeRole`
/// on top of whichever credentials were found.
///
/// Each request is signed anew: `x-acs-date` must be within 15 minutes of the
/// server's clock (`InvalidTimeStamp.Expired`) and each `x-acs-signature-nonce`
/// is accepted once (`SignatureNonceUsed`), so a retry needs a new date and a
/// new nonce (https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature).
/// The official SDK makes one attempt per call and does not check `Success`.
///
/// Never log the AccessKey secret or the security token; the AccessKey ID
/// may be logged (it is sent in the clear).
package enum AlibabaCloud {
    /// The value of an account's `"provider"` key.
    package static let providerName = "alibabacloud"

    /// The limit is counted per main account (ParentUid): it holds per
    /// identity (the learned `uin`, the access key until then), with no
    /// provider-wide cap.
    package static let schema = ProviderSchema(
        name: providerName,
        defaultEndpoint: defaultEndpoint,
        keys: [
            ConfigKeySpec("access_key_id", .string, secret: true),
            ConfigKeySpec("access_key_secret", .string, secret: true),
            ConfigKeySpec("security_token", .string, secret: true),
            ConfigKeySpec("role_arn", .string),
            ConfigKeySpec("role_session_name", .string),
            ConfigKeySpec("role_duration", .duration),
            ConfigKeySpec("sts_endpoint", .string),
            ConfigKeySpec("sts_region", .string),
            ConfigKeySpec("metadata_endpoint", .string),
            ConfigKeySpec("request_timeout", .duration),
        ],
        defaultRequestsPerSecond: nil,
        defaultRequestsPerSecondPerIdentity: defaultRequestsPerSecondPerIdentity,
        defaultMaxConcurrency: 16,
        // Without access_key_id, the credential chain (environment, file, ECS role): the same for every such account.
        identityKeys: ["access_key_id", "role_arn"],
        // The variables the official SDKs' default credential chain reads.
        environmentAccount: EnvironmentAccount(
            required: [.init(AlibabaCredentialSources.accessKeyIdVariable, key: "access_key_id"),
                       .init(AlibabaCredentialSources.accessKeySecretVariable, key: "access_key_secret")],
            optional: [.init(AlibabaCredentialSources.securityTokenVariable, key: "security_token")]),
        make: { account, context throws(ConfigProblems) in try makeClient(account: account, context: context) })

    /// Builds a client; `readFile` reads the credentials file (injected for tests).
    package static func makeClient(account: AccountConfig, context: ProviderContext,
                                   readFile: @escaping @Sendable (String) -> String? = readTextFile) throws(ConfigProblems) -> AlibabaCloudClient {
        let settings = try AlibabaCloudSettings(account: account, defaultTimeout: context.requestTimeout)
        let caller = AlibabaCaller(transport: context.transport, clock: context.clock, timeout: settings.requestTimeout,
                                   userAgent: context.userAgent)
        let base: any AlibabaCredentialProvider = settings.keys.map { AlibabaStaticCredentials(value: $0) }
            ?? AlibabaCredentialsChain(environment: context.environment, readFile: readFile, settings: settings, caller: caller)
        var credentials = base
        if let role = settings.role {
            credentials = AlibabaAssumeRoleCredentials(role: role, stsEndpoint: settings.stsEndpoint, base: base, caller: caller)
        }
        return AlibabaCloudClient(account: account.name, settings: settings, credentials: credentials, caller: caller,
                                  logger: context.logger)
    }

    @Sendable static func readTextFile(_ path: String) -> String? {
        guard let bytes = try? SecretFile.read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    package static let chinaEndpoint = "https://business.aliyuncs.com"
    package static let internationalEndpoint = "https://business.ap-southeast-1.aliyuncs.com"
    /// The China site, as the issue that added this provider decided.
    package static let defaultEndpoint = chinaEndpoint
    package static let defaultSTSEndpoint = "https://sts.aliyuncs.com"
    package static let defaultMetadataEndpoint = "http://100.100.100.200"

    /// `sts.<region>.aliyuncs.com` for a configured `sts_region`.
    package static func stsEndpoint(region: String) -> String {
        "https://sts.\(region).aliyuncs.com"
    }

    /// The documented limit of `QueryAccountBalance`: 10/s counted per region, API and `ParentUid`, the main
    /// account, so every RAM user and key of one account shares it
    /// (https://www.alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-quota).
    package static let documentedRequestsPerSecond = 10.0
    /// Half of it per identity (`requests_per_second_per_identity`: the main account once STS
    /// `GetCallerIdentity` has named it, the access key until then); no provider-wide cap.
    package static let defaultRequestsPerSecondPerIdentity = documentedRequestsPerSecond / 2

    /// How far `x-acs-date` may be from the server's clock, in seconds.
    package static let signatureWindow = 900.0

    /// Temporary credentials (STS, ECS role) are refreshed this many seconds
    /// before their `Expiration`, as the credentials SDKs do.
    package static let credentialsRefreshMargin = 900.0
}
