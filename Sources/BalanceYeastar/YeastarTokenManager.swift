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
actor YeastarTokenManager {
    private let api: YeastarAPI
    private let clientID: String
    private let clientSecret: String
    private let clock: any WallClock
    private let logger: Logger
    private let account: String
    private let secrets: YeastarSecrets

    private var current: YeastarToken?
    /// The renewal in progress, shared by every caller that needs it. Not
    /// cancelled with a caller: it is bounded by the request timeout and its
    /// result serves the others.
    private var inFlight: Task<Result<YeastarToken, ProviderError>, Never>?

    init(api: YeastarAPI, clientID: String, clientSecret: String, clock: any WallClock, logger: Logger,
         account: String, secrets: YeastarSecrets) {
        self.api = api
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clock = clock
        self.logger = logger
        self.account = account
        self.secrets = secrets
    }

    /// A token to use now: the held one until its refresh time, else a
    /// refreshed or newly granted one. If renewing fails while the held token
    /// has not expired yet, the held token is returned (the renewal is retried
    /// by the next call).
    func token() async throws(ProviderError) -> YeastarToken {
        if let current, clock.now() < current.refreshAt { return current }
        return try await renew(keepUnexpired: true)
    }

    /// The balance call refused `rejected`: returns a different token, either
    /// one another caller already obtained or a renewed one. The refused token
    /// is never handed out again.
    func replace(rejected: YeastarToken) async throws(ProviderError) -> YeastarToken {
        if let current, current.token != rejected.token { return current }
        if current != nil {
            let now = clock.now()
            current?.refreshAt = now
            current?.expiresAt = now
        }
        return try await renew(keepUnexpired: false)
    }

    private func renew(keepUnexpired: Bool) async throws(ProviderError) -> YeastarToken {
        let task: Task<Result<YeastarToken, ProviderError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            let previous = current
            task = Task { await self.obtain(previous: previous, keepUnexpired: keepUnexpired) }
            inFlight = task
        }
        return try await task.value.get()
    }

    private func obtain(previous: YeastarToken?, keepUnexpired: Bool) async -> Result<YeastarToken, ProviderError> {
        defer { inFlight = nil }
        var refreshFailure: ProviderError?
        if let refreshToken = previous?.refreshToken, !refreshToken.isEmpty {
            switch await request(.refresh(refreshToken), previousRefreshToken: refreshToken) {
            case .success(let token):
                install(token, grant: "refresh_token")
                return .success(token)
            case .failure(let error):
                refreshFailure = error
                logger.warn("yeastar token refresh failed; requesting a new grant",
                            ["account": .string(account), "reason": .string(error.reason.rawValue), "err": .string(secrets.scrub(error).message)])
            }
        }
        switch await request(.credentials(clientID: clientID, clientSecret: clientSecret), previousRefreshToken: nil) {
        case .success(let token):
            install(token, grant: "pp_credentials")
            return .success(token)
        case .failure(let error):
            if keepUnexpired, let previous, clock.now() < previous.expiresAt {
                logger.warn("yeastar token renewal failed; using the current token until it expires",
                            ["account": .string(account), "reason": .string(error.reason.rawValue), "err": .string(secrets.scrub(error).message)])
                return .success(previous)
            }
            var combined = error
            if let refreshFailure { combined.message = "\(refreshFailure.message); then \(error.message)" }
            return .failure(combined)
        }
    }

    private func request(_ grant: YeastarAPI.Grant, previousRefreshToken: String?) async -> Result<YeastarToken, ProviderError> {
        let sentAt = clock.now()
        let response: HTTPResponse
        do {
            response = try await api.token(grant)
        } catch {
            return .failure(error)
        }
        return YeastarTokenResponse.interpret(response, now: sentAt, previousRefreshToken: previousRefreshToken,
                                              what: grant.description)
            .mapError { $0.retrying(after: response, now: clock.now()) }
    }

    private func install(_ token: YeastarToken, grant: String) {
        secrets.remember(token)
        current = token
        logger.debug("yeastar access token obtained",
                     ["account": .string(account), "grant_type": .string(grant),
                      "lifetime_seconds": .int(Int((token.expiresAt - token.obtainedAt).rounded()))])
    }
}
