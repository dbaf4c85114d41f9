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
    private let context: ProviderContext

    init(settings: VolcengineSettings, credentials: any VolcengineCredentialProvider, context: ProviderContext) {
        self.settings = settings
        self.credentialProvider = credentials
        self.context = context
    }

    /// Every error leaves scrubbed of the keys and tokens it was made with, and bounded; a temporary
    /// token refused (`InvalidSecretToken`) is renewed once (`RenewOnce`).
    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        let source = credentialProvider
        return try await RenewOnce(provider: "Volcengine", account: nil, logger: context.logger,
                                   credentials: { () throws(ProviderError) in try await source.credentials() },
                                   invalidate: { await source.invalidate($0) },
                                   isTokenRefusal: { $0.code == VolcengineErrorCode.invalidSecretToken })
            .fetch(fetch(with:))
    }

    private func fetch(with credentials: VolcengineCredentials) async throws(ProviderError) -> BalanceReading {
        let request = VolcengineRequest.queryBalance(endpoint: settings.endpoint, region: settings.region, credentials: credentials,
                                                     timestamp: Int(context.clock.now().rounded(.down)), userAgent: context.userAgent)
        let response = try await context.transport.exchange(request.call, timeout: settings.requestTimeout, what: Volcengine.balanceAction)
        return VolcengineBalanceMapping.reading(try VolcengineBalanceMapping.balance(response, now: context.clock.now(),
                                                                                     secrets: credentials.secrets))
    }
}
