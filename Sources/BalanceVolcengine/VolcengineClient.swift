import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Reads one account's balance with billing `QueryBalanceAcct`: the I/O edge
/// around the pure request builder, signer and mapping. The `uin` label is
/// the answer's `AccountID` (the main account's ID), learned with the
/// balance itself: no identity call.
package final class VolcengineClient: BalanceProvider {
    private let settings: VolcengineSettings
    private let credentialProvider: any VolcengineCredentialProvider
    private let transport: any HTTPTransport
    private let clock: any WallClock
    private let logger: Logger
    private let userAgent: String

    init(settings: VolcengineSettings, credentials: any VolcengineCredentialProvider, transport: any HTTPTransport,
         clock: any WallClock, logger: Logger, userAgent: String) {
        self.settings = settings
        self.credentialProvider = credentials
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.userAgent = userAgent
    }

    /// Every error leaves scrubbed of the keys and tokens it was made with, and bounded; a temporary
    /// token refused (`InvalidSecretToken`) is renewed once (`RenewOnce`).
    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        let source = credentialProvider
        return try await RenewOnce(provider: "Volcengine", account: nil, logger: logger,
                                   credentials: { () throws(ProviderError) in try await source.credentials() },
                                   invalidate: { await source.invalidate($0) },
                                   isTokenRefusal: { $0.code == VolcengineErrorCode.invalidSecretToken })
            .fetch(fetch(with:))
    }

    private func fetch(with credentials: VolcengineCredentials) async throws(ProviderError) -> BalanceReading {
        let request = VolcengineRequest.queryBalance(endpoint: settings.endpoint, region: settings.region, credentials: credentials,
                                                     timestamp: Int(clock.now().rounded(.down)), userAgent: userAgent)
        let response = try await transport.exchange(request.call, timeout: settings.requestTimeout, what: Volcengine.balanceAction)
        return VolcengineBalanceMapping.reading(try VolcengineBalanceMapping.balance(response, now: clock.now(),
                                                                                     secrets: credentials.secrets))
    }
}
