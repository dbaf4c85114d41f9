import BalanceCore
import BalanceSupport

/// The Tencent Cloud provider: prepaid balance from the billing API's
/// `DescribeAccountBalance`, signed with TC3-HMAC-SHA256.
package enum TencentCloud {
    package static let schema = ProviderSchema(
        name: "tencentcloud",
        defaultEndpoint: "https://billing.intl.tencentcloudapi.com",
        keys: [
            ConfigKeySpec("secret_id", .string, secret: true),
            ConfigKeySpec("secret_key", .string, secret: true),
            ConfigKeySpec("token", .string, secret: true),
            ConfigKeySpec("temp_credit", .bool),
            ConfigKeySpec("region", .string),
            ConfigKeySpec("language", .string),
            ConfigKeySpec("role_arn", .string),
            ConfigKeySpec("role_session_name", .string),
            ConfigKeySpec("role_duration", .duration),
            ConfigKeySpec("sts_endpoint", .string),
            ConfigKeySpec("sts_region", .string),
            ConfigKeySpec("metadata_endpoint", .string),
            ConfigKeySpec("request_timeout", .duration),
        ],
        // 20 requests/s for DescribeAccountBalance, counted per API, access region and caller
        // (https://cloud.tencent.com/document/product/1278/109059, "API 频率限制说明": "API + 接入地域 +
        // 子账号"; a main account's own requests count on it, and a main-account limit applies too): half
        // of it per account the API reports (its `Uin`), which covers its sub-accounts as well; no
        // provider-wide cap.
        defaultRequestsPerSecond: nil,
        defaultRequestsPerSecondPerIdentity: documentedRequestsPerSecond / 2,
        // Enough for 10,000 accounts at 200 ms of upstream latency in a 60 s interval (64 / 0.2 s = 320
        // calls/s); each call in flight is one thread.
        defaultMaxConcurrency: 64,
        // Without secret_id, the credential chain (environment, profile, CVM role): the same for every such account.
        identityKeys: ["secret_id", "role_arn"],
        // The variables the Tencent Cloud SDKs' default credential chain reads.
        environmentAccount: EnvironmentAccount(
            required: [.init("TENCENTCLOUD_SECRET_ID", key: "secret_id"), .init("TENCENTCLOUD_SECRET_KEY", key: "secret_key")],
            optional: [.init("TENCENTCLOUD_TOKEN", key: "token")]),
        make: { account, context throws(ConfigProblems) in try makeClient(account: account, context: context) })

    /// DescribeAccountBalance's documented limit
    /// (https://www.tencentcloud.com/document/product/555/50284, "A maximum of 20 requests can be initiated per
    /// second for this API").
    package static let documentedRequestsPerSecond = 20.0

    /// Builds a client; `readFile` reads the credentials profile file (injected for tests).
    package static func makeClient(account: AccountConfig, context: ProviderContext,
                           readFile: @escaping @Sendable (String) -> String? = readTextFile) throws(ConfigProblems) -> TencentCloudClient {
        let settings = try TencentCloudSettings(account: account, defaultTimeout: context.requestTimeout)
        let base: any TencentCredentialProvider
        if let keys = settings.keys {
            base = TencentStaticCredentials(value: TencentCredentials(secretId: keys.secretId, secretKey: keys.secretKey,
                                                                      token: keys.token, source: "account config"))
        } else {
            let role = TencentInstanceRoleCredentials(metadataEndpoint: settings.metadataEndpoint, transport: context.transport,
                                                      clock: context.clock, timeout: settings.requestTimeout)
            base = TencentCredentialsChain(environment: context.environment, readFile: readFile, instanceRole: role)
        }
        var credentials = base
        if let role = settings.role {
            credentials = TencentAssumeRoleCredentials(role: role, base: base, transport: context.transport, clock: context.clock,
                                                       timeout: settings.requestTimeout, userAgent: context.userAgent)
        }
        return TencentCloudClient(settings: settings, credentials: credentials, context: context)
    }

    @Sendable static func readTextFile(_ path: String) -> String? {
        guard let bytes = try? SecretFile.read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
