import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Holds one account's access token across balance refreshes and renews it.
///
/// Lifecycle: one `pp_credentials` grant, then refreshes
/// only. A token is used until 80% of its lifetime (`refreshAt`); after that
/// the next caller refreshes it with the newest refresh token (they rotate:
/// the one just used is dead). A refused or failed refresh falls back to a
/// new grant. Concurrent callers needing a new token share one request.
///
/// Time comes from the injected clock only; there is no background timer:
/// a token is renewed when a fetch needs it, so an idle exporter is silent.
struct YeastarTokenManager: Sendable {
    private let api: YeastarAPI
    private let clientID: String
    private let clientSecret: String
    private let clock: any WallClock
    private let logger: Logger
    private let account: String
    private let secrets: YeastarSecrets
    private let cache: CredentialCache<YeastarToken>

    init(api: YeastarAPI, clientID: String, clientSecret: String, clock: any WallClock, logger: Logger,
         account: String, secrets: YeastarSecrets) {
        self.api = api
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clock = clock
        self.logger = logger
        self.account = account
        self.secrets = secrets
        let renewal = Renewal(api: api, clientID: clientID, clientSecret: clientSecret, clock: clock, logger: logger,
                              account: account, secrets: secrets)
        cache = CredentialCache(clock: clock, keepUnexpired: true, onKeptAfterFailure: { error in
            logger.warn("yeastar token renewal failed; using the current token until it expires",
                        ["account": .string(account), "reason": .string(error.reason.rawValue), "err": .string(secrets.scrub(error).message)])
        }, fetch: { previous throws(ProviderError) in try await renewal.obtain(previous: previous) })
    }

    /// A token to use now: the held one until its refresh time, else a
    /// refreshed or newly granted one. If renewing fails while the held token
    /// has not expired yet, the held token is returned (the renewal is retried
    /// by the next call).
    func token() async throws(ProviderError) -> YeastarToken {
        try await cache.credential()
    }

    /// The balance call refused `rejected`: returns a different token, either
    /// one another caller already obtained or a renewed one. The refused token
    /// is never handed out again.
    func replace(rejected: YeastarToken) async throws(ProviderError) -> YeastarToken {
        try await cache.replace(rejected)
    }
}

extension YeastarToken: ExpiringCredential {
    var lifetime: CredentialLifetime { CredentialLifetime(renewAt: refreshAt, expiresAt: expiresAt) }
}

/// One renewal: a refresh with the newest refresh token, else (or after a
/// refused refresh) a new grant.
private struct Renewal: Sendable {
    let api: YeastarAPI
    let clientID: String
    let clientSecret: String
    let clock: any WallClock
    let logger: Logger
    let account: String
    let secrets: YeastarSecrets

    func obtain(previous: YeastarToken?) async throws(ProviderError) -> YeastarToken {
        var refreshFailure: ProviderError?
        if let refreshToken = previous?.refreshToken, !refreshToken.isEmpty {
            do throws(ProviderError) {
                return install(try await request(.refresh(refreshToken), previousRefreshToken: refreshToken), grant: "refresh_token")
            } catch {
                refreshFailure = error
                logger.warn("yeastar token refresh failed; requesting a new grant",
                            ["account": .string(account), "reason": .string(error.reason.rawValue), "err": .string(secrets.scrub(error).message)])
            }
        }
        do throws(ProviderError) {
            let grant = YeastarAPI.Grant.credentials(clientID: clientID, clientSecret: clientSecret)
            return install(try await request(grant, previousRefreshToken: nil), grant: "pp_credentials")
        } catch {
            var combined = error
            if let refreshFailure { combined.message = "\(refreshFailure.message); then \(error.message)" }
            throw combined
        }
    }

    private func request(_ grant: YeastarAPI.Grant, previousRefreshToken: String?) async throws(ProviderError) -> YeastarToken {
        let sentAt = clock.now()
        let response = try await api.token(grant)
        do {
            return try YeastarTokenResponse.interpret(response, now: sentAt, previousRefreshToken: previousRefreshToken,
                                                      what: grant.description)
        } catch {
            throw error.retrying(after: response, now: clock.now())
        }
    }

    private func install(_ token: YeastarToken, grant: String) -> YeastarToken {
        secrets.remember(token)
        logger.debug("yeastar access token obtained",
                     ["account": .string(account), "grant_type": .string(grant),
                      "lifetime_seconds": .int(Int((token.expiresAt - token.obtainedAt).rounded()))])
        return token
    }
}
