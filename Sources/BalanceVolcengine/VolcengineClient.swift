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

    /// Every error leaves scrubbed of the keys and tokens it was made with, and bounded.
    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        var secrets: [String] = []
        do throws(ProviderError) {
            let credentials = try await credentialProvider.credentials()
            secrets += credentials.secrets
            do throws(ProviderError) {
                return try await fetch(with: credentials)
            } catch where error.code == VolcengineErrorCode.invalidSecretToken && credentials.sessionToken != nil {
                // Temporary credentials refused early (revoked, clock skew): renew them and retry
                // exactly once; a second refusal stays an auth failure.
                logger.info("Volcengine temporary credentials refused (InvalidSecretToken); renewing them once",
                            ["source": .string(credentials.source), "request_id": error.requestID.map(LogValue.string)])
                await credentialProvider.invalidate(credentials)
                let fresh = try await credentialProvider.credentials()
                secrets += fresh.secrets
                // Configured session tokens cannot be renewed: retrying with the same ones is pointless.
                guard fresh != credentials else { throw error }
                return try await fetch(with: fresh)
            }
        } catch {
            throw error.bounded(removing: secrets)
        }
    }

    private func fetch(with credentials: VolcengineCredentials) async throws(ProviderError) -> BalanceReading {
        let request = VolcengineRequest.queryBalance(endpoint: settings.endpoint, region: settings.region, credentials: credentials,
                                                     timestamp: Int(clock.now().rounded(.down)), userAgent: userAgent)
        let response = try await transport.exchange(request.call, timeout: settings.requestTimeout, what: Volcengine.balanceAction)
        return VolcengineBalanceMapping.reading(try VolcengineBalanceMapping.balance(response, now: clock.now(),
                                                                                     secrets: credentials.secrets))
    }
}
