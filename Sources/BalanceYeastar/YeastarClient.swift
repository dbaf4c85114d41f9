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
        do throws(YeastarBalanceFailure) {
            return reading(try await balance(with: token), token)
        } catch {
            guard case .tokenRejected(let refused) = error else { throw error.providerError }
            logger.info("yeastar access token refused; renewing it and retrying once",
                        ["account": .string(account), "reason": .string(refused.reason.rawValue)])
        }
        let fresh = try await tokens.replace(rejected: token)
        try checkCancellation()
        do throws(YeastarBalanceFailure) {
            return reading(try await balance(with: fresh), fresh)
        } catch {
            guard case .tokenRejected(var refused) = error else { throw error.providerError }
            refused.message += " again after a token renewal"
            throw refused
        }
    }

    private func balance(with token: YeastarToken) async throws(YeastarBalanceFailure) -> Double {
        let response: HTTPResponse
        do {
            response = try await api.balance(token)
        } catch {
            throw .failed(error)
        }
        do {
            return try YeastarBalanceResponse.interpret(response)
        } catch {
            guard case .failed(let failure) = error else { throw error }
            throw .failed(failure.retrying(after: response, now: clock.now()))
        }
    }

    private func reading(_ amount: Double, _ token: YeastarToken) -> BalanceReading {
        BalanceReading(uin: token.userID, available: amount,
                       fields: [FieldSample(YeastarMetrics.accountBalance, amount)])
    }

    private func checkCancellation() throws(ProviderError) {
        if Task.isCancelled { throw ProviderError(FailureReason(TransportError.cancelled), message: TransportError.cancelled.description) }
    }
}
