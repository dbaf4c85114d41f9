import BalanceCore

/// The Volcengine provider (and BytePlus, Volcengine's international brand,
/// which serves the same API): the account balance from the billing API's
/// `QueryBalanceAcct` (version 2022-01-01), signed with Volcengine's
/// HMAC-SHA256 (`VolcengineSigner`). This file holds the facts the rest of
/// the provider and its wiring build on.
///
/// - Action: https://www.volcengine.com/docs/6269/1223898 . `Action` and
///   `Version` go in the query (https://www.volcengine.com/docs/6469/1126803);
///   the official SDKs send `POST` with `Content-Type: application/json` and
///   body `{}`, as `VolcengineRequest.queryBalance` does. Amounts are decimal
///   strings in major units (yuan); `Result.AccountID` is the main account's ID.
/// - Endpoints: `https://open.volcengineapi.com` (the action's example; also
///   `https://billing.volcengineapi.com`); BytePlus `https://open.byteplusapi.com`
///   (https://docs.byteplus.com/byteplus-platform/reference/assumerole names
///   it as BytePlus's service address). Billing is not a regional service:
///   "you may fill in any Region" (https://www.volcengine.com/docs/6469/1126803);
///   default `cn-beijing`, BytePlus e.g. `ap-singapore-1`.
/// - Rate limit: none documented for QueryBalanceAcct. The billing overview
///   (https://www.volcengine.com/docs/6269/1165275) allows the bill APIs 5
///   requests/s per account ("单账号 5 QPS"), counted on the account (the main
///   account, whichever of its keys or roles calls), and refuses more
///   (`FlowLimitExceeded`, HTTP 429). Default: 1 request/s, provider-wide
///   (well under half of 5/s, as the action itself documents no limit).
/// - Credentials, in order: the account's configured keys (`access_key`,
///   `secret_key`, optional `session_token`); else the official SDKs'
///   environment (`VolcengineCredentials.fromEnvironment`). With `role_trn`,
///   those credentials call STS `AssumeRole` (`VolcengineRequest.assumeRole`:
///   https://www.volcengine.com/docs/6257/86374 ; `GET`, version 2018-01-01,
///   service `sts`, host `sts.volcengineapi.com`, `DurationSeconds` 900 to
///   43200, below 900 the service uses 3600; the page says the main
///   account's own keys cannot call it, and a sub-user needs the
///   `STSAssumeRoleAccess` policy)
///   and the temporary keys are used until shortly before `ExpiredTime`
///   (RFC 3339). Temporary keys send `X-Security-Token`; an expired or
///   revoked one is refused with `InvalidSecretToken`.
/// - Permission: `billing:QueryBalanceAcct` (system policy
///   `BillingCenterReadOnlyAccess`, https://www.volcengine.com/docs/6269/1186807);
///   without it `AccessDenied`, HTTP 403.
package enum Volcengine {
    package static let schema = ProviderSchema(
        name: providerName,
        defaultEndpoint: defaultEndpoint,
        keys: [
            ConfigKeySpec("access_key", .string, secret: true),
            ConfigKeySpec("secret_key", .string, secret: true),
            ConfigKeySpec("session_token", .string, secret: true),
            ConfigKeySpec("region", .string),
            ConfigKeySpec("role_trn", .string),
            ConfigKeySpec("role_session_name", .string),
            ConfigKeySpec("role_duration", .duration),
            ConfigKeySpec("sts_endpoint", .string),
            ConfigKeySpec("request_timeout", .duration),
        ],
        defaultRequestsPerSecond: defaultRequestsPerSecond,
        defaultMaxConcurrency: 2,
        // Without access_key, the SDKs' environment: the same for every such account.
        identityKeys: ["access_key", "role_trn"],
        // The variables of the current official SDKs (the older SDK's VOLC_* pair is read by the chain).
        environmentAccount: EnvironmentAccount(
            required: [.init("VOLCENGINE_ACCESS_KEY", key: "access_key"), .init("VOLCENGINE_SECRET_KEY", key: "secret_key")],
            optional: [.init("VOLCENGINE_SESSION_TOKEN", key: "session_token")]),
        make: { account, context throws(ConfigProblems) in try makeClient(account: account, context: context) })

    /// Builds a client: the account's keys or the environment's, with
    /// `role_trn` the role's temporary keys on top of them.
    package static func makeClient(account: AccountConfig, context: ProviderContext) throws(ConfigProblems) -> VolcengineClient {
        let settings = try VolcengineSettings(account: account, defaultTimeout: context.requestTimeout)
        let base: any VolcengineCredentialProvider
        if let keys = settings.keys {
            base = VolcengineStaticCredentials(value: keys)
        } else {
            base = VolcengineEnvironmentCredentials(environment: context.environment)
        }
        var credentials = base
        if let role = settings.role {
            credentials = VolcengineAssumeRoleCredentials(role: role, stsEndpoint: settings.stsEndpoint, region: settings.region,
                                                          base: base, transport: context.transport, clock: context.clock,
                                                          timeout: settings.requestTimeout, userAgent: context.userAgent)
        }
        return VolcengineClient(settings: settings, credentials: credentials, context: context)
    }

    /// The `provider` value in the configuration and the `provider` label.
    package static let providerName = "volcengine"
    package static let defaultEndpoint = "https://open.volcengineapi.com"
    package static let defaultRegion = "cn-beijing"
    /// No documented limit for `QueryBalanceAcct`: far below the 5/s per account of the sibling billing
    /// APIs (https://www.volcengine.com/docs/6269/1165275), provider-wide (`requests_per_second`), since
    /// which identity it would count on is not documented either.
    package static let defaultRequestsPerSecond = 1.0

    /// The balance call.
    package static let billingService = "billing"
    package static let balanceAction = "QueryBalanceAcct"
    package static let balanceVersion = "2022-01-01"

    /// STS AssumeRole.
    package static let defaultSTSEndpoint = "https://sts.volcengineapi.com"
    package static let stsService = "sts"
    package static let assumeRoleAction = "AssumeRole"
    package static let assumeRoleVersion = "2018-01-01"
    /// What the official SDKs ask for; the service allows 900...43200.
    package static let defaultRoleDurationSeconds = 3600
    package static let roleDurationSeconds = 900...43200
}
