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
        make: { (config: AccountConfig, context: ProviderContext) throws(ConfigProblems) -> any BalanceProvider in
            try makeClient(config, context)
        })

    package static func makeClient(_ config: AccountConfig, _ context: ProviderContext) throws(ConfigProblems) -> YeastarClient {
        let location = "account \(config.name)"
        var problems: [ConfigProblem] = []
        func nonEmpty(_ key: String) -> String {
            guard let value = config.string(key), !value.isEmpty else {
                problems.append(ConfigProblem(location: location, key: key, message: "required, must not be empty"))
                return ""
            }
            return value
        }
        let clientID = nonEmpty("client_id")
        let clientSecret = nonEmpty("client_secret")

        var userAgent = config.string("user_agent") ?? context.userAgent
        if userAgent.isEmpty { userAgent = context.userAgent }
        if userAgent.contains(where: { $0.isNewline || $0.unicodeScalars.contains { $0.value < 0x20 } }) {
            problems.append(ConfigProblem(location: location, key: "user_agent", message: "must not contain control characters"))
        }
        let timeout = config.duration("request_timeout") ?? context.requestTimeout
        if !(timeout > 0) || !timeout.isFinite {
            problems.append(ConfigProblem(location: location, key: "request_timeout", message: "must be a positive duration"))
        }
        let api = YeastarAPI(endpoint: config.endpoint, userAgent: userAgent, timeout: timeout, transport: context.transport)
        if api == nil {
            problems.append(ConfigProblem(location: location, key: "endpoint",
                                          message: "must be an absolute http:// or https:// URL"))
        }
        guard problems.isEmpty, let api else { throw ConfigProblems(problems) }
        return YeastarClient(account: config.name, api: api, clientID: clientID, clientSecret: clientSecret,
                             clock: context.clock, logger: context.logger)
    }
}
