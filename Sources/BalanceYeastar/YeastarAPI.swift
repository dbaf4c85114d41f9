import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The two Yeastar Partner Portal calls as HTTP exchanges: building requests
/// is pure (`tokenRequest`, `balanceRequest`), `send` is the only I/O.
package struct YeastarAPI: Sendable {
    package static let tokenPath = "/auth/openapi/v1/oauth/token"
    static let balancePath = "/user/openapi/user/v1/client/account_balance"

    enum Grant: Sendable, Equatable {
        /// `grant_type=pp_credentials` (Yeastar's name, not OAuth's `client_credentials`).
        case credentials(clientID: String, clientSecret: String)
        /// `grant_type=refresh_token`. The Partner Portal documents only
        /// `grant_type` and `refresh_token` for a refresh, so the client
        /// secret is not sent again: one request fewer that carries it.
        case refresh(String)

        var description: String {
            switch self {
            case .credentials: return "token grant"
            case .refresh: return "token refresh"
            }
        }
    }

    let tokenURL: HTTPURL
    let balanceURL: HTTPURL
    let userAgent: String
    let timeout: Double
    let transport: any HTTPTransport

    init(settings: YeastarSettings, transport: any HTTPTransport) {
        tokenURL = settings.tokenURL
        balanceURL = settings.balanceURL
        userAgent = settings.userAgent
        timeout = settings.requestTimeout
        self.transport = transport
    }

    func tokenRequest(_ grant: Grant) -> HTTPRequest {
        let fields: [(String, String)]
        switch grant {
        case .credentials(let id, let secret):
            fields = [("client_id", id), ("client_secret", secret), ("grant_type", "pp_credentials")]
        case .refresh(let refreshToken):
            fields = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        }
        return HTTPRequest(method: "POST", url: tokenURL,
                           headers: [("User-Agent", userAgent), ("Content-Type", "application/x-www-form-urlencoded"),
                                     ("Accept", "application/json")],
                           body: Array(FormCoding.encode(fields).utf8))
    }

    func balanceRequest(_ token: YeastarToken) -> HTTPRequest {
        HTTPRequest(method: "GET", url: balanceURL,
                    headers: [("User-Agent", userAgent), ("Authorization", token.authorization), ("Accept", "application/json")])
    }

    /// The token endpoint's answer to `grant`.
    func token(_ grant: Grant) async throws(ProviderError) -> HTTPResponse {
        try await transport.exchange(tokenRequest(grant), to: tokenURL, timeout: timeout, what: grant.description)
    }

    /// The balance endpoint's answer for `token`.
    func balance(_ token: YeastarToken) async throws(ProviderError) -> HTTPResponse {
        try await transport.exchange(balanceRequest(token), to: balanceURL, timeout: timeout, what: "balance request")
    }
}
