import BalanceCore
import BalanceHTTP
import BalanceSupport

/// One Yeastar Partner Portal account: a `BalanceProvider` that reads
/// `accountBalance`, renewing the access token as needed.
package struct YeastarClient: BalanceProvider {
    let api: YeastarAPI
    let tokens: YeastarTokenManager
    let secrets: YeastarSecrets
    let logger: Logger
    let clock: any WallClock
    let account: String

    init(account: String, api: YeastarAPI, clientID: String, clientSecret: String,
         clock: any WallClock, logger: Logger) {
        let secrets = YeastarSecrets(clientSecret: clientSecret)
        self.api = api
        self.secrets = secrets
        self.logger = logger
        self.clock = clock
        self.account = account
        self.tokens = YeastarTokenManager(api: api, clientID: clientID, clientSecret: clientSecret, clock: clock,
                                          logger: logger, account: account, secrets: secrets)
    }

    /// One refresh: at most one token renewal before the balance call, and
    /// after a refused token exactly one renewal and one retry (never a loop).
    /// Every error is scrubbed of the client secret and tokens.
    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        do {
            return try await fetch()
        } catch {
            throw secrets.scrub(error)
        }
    }

    private func fetch() async throws(ProviderError) -> BalanceReading {
        let token = try await tokens.token()
        try checkCancellation()
        switch await balance(with: token) {
        case .balance(let amount):
            return reading(amount, token)
        case .failed(let error):
            throw error
        case .tokenRejected(let error):
            logger.info("yeastar access token refused; renewing it and retrying once",
                        ["account": .string(account), "reason": .string(error.reason.rawValue)])
            let fresh = try await tokens.replace(rejected: token)
            try checkCancellation()
            switch await balance(with: fresh) {
            case .balance(let amount):
                return reading(amount, fresh)
            case .failed(let error):
                throw error
            case .tokenRejected(var error):
                error.message += " again after a token renewal"
                throw error
            }
        }
    }

    private func balance(with token: YeastarToken) async -> YeastarBalanceOutcome {
        let response: HTTPResponse
        do {
            response = try await api.balance(token)
        } catch {
            return .failed(error)
        }
        switch YeastarBalanceResponse.interpret(response) {
        case .failed(let error): return .failed(error.retrying(after: response, now: clock.now()))
        case let outcome: return outcome
        }
    }

    private func reading(_ amount: Double, _ token: YeastarToken) -> BalanceReading {
        BalanceReading(uin: token.userID, available: amount,
                       fields: [FieldSample(Catalog.yeastarAccountBalance, amount)])
    }

    private func checkCancellation() throws(ProviderError) {
        if Task.isCancelled { throw ProviderError(FailureReason(TransportError.cancelled), message: TransportError.cancelled.description) }
    }
}
