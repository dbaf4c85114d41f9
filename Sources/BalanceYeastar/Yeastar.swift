import BalanceCore
import BalanceSupport

/// The Yeastar Partner Portal provider: OAuth-style token
/// (`pp_credentials` grant, rotating refresh tokens) and one balance call.
package enum Yeastar {
    package static let schema = ProviderSchema(
        name: "yeastar",
        defaultEndpoint: "https://openapi.partner.yeastar.com",
        keys: [
            ConfigKeySpec("client_id", .string, required: true),
            ConfigKeySpec("client_secret", .string, required: true, secret: true),
            // Default: the context's user agent (`BuildInfo.userAgent`). Yeastar requires one on every request.
            ConfigKeySpec("user_agent", .string),
            // Default: the context's request timeout (10 s).
            ConfigKeySpec("request_timeout", .duration),
        ],
        // The rate limit is undocumented: poll conservatively.
        defaultRequestsPerSecond: 2,
        defaultMaxConcurrency: 2,
        identityKeys: ["client_id"],
        environmentAccount: EnvironmentAccount(
            required: [.init("YEASTAR_CLIENT_ID", key: "client_id"), .init("YEASTAR_CLIENT_SECRET", key: "client_secret")]),
        make: { (config: AccountConfig, context: ProviderContext) throws(ConfigProblems) -> any BalanceProvider in
            try makeClient(config, context)
        })

    package static func makeClient(_ config: AccountConfig, _ context: ProviderContext) throws(ConfigProblems) -> YeastarClient {
        let settings = try YeastarSettings(account: config, defaultUserAgent: context.userAgent,
                                           defaultTimeout: context.requestTimeout)
        return YeastarClient(account: config.name, api: YeastarAPI(settings: settings, transport: context.transport),
                             clientID: settings.clientID, clientSecret: settings.clientSecret,
                             clock: context.clock, logger: context.logger)
    }
}
