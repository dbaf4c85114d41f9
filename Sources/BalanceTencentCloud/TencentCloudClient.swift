import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Reads one account's balance with `DescribeAccountBalance` (billing API
/// 2018-07-09): the I/O edge around the pure signer and mapping.
package final class TencentCloudClient: BalanceProvider {
    static let action = "DescribeAccountBalance"
    static let version = "2018-07-09"

    private let settings: TencentCloudSettings
    private let credentialProvider: any TencentCredentialProvider
    private let context: ProviderContext

    init(settings: TencentCloudSettings, credentials: any TencentCredentialProvider, context: ProviderContext) {
        self.settings = settings
        self.credentialProvider = credentials
        self.context = context
    }

    /// Every error leaves scrubbed of the keys and tokens it was made with, and bounded; temporary
    /// credentials refused as expired (`AuthFailure.TokenFailure`) are renewed once (`RenewOnce`).
    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        let source = credentialProvider
        return try await RenewOnce(provider: "Tencent Cloud", account: nil, logger: context.logger,
                                   credentials: { () throws(ProviderError) in try await source.credentials() },
                                   invalidate: { await source.invalidate($0) },
                                   isTokenRefusal: { $0.code == TencentErrorCode.tokenFailure })
            .fetch(fetch(with:))
    }

    private func fetch(with credentials: TencentCredentials) async throws(ProviderError) -> BalanceReading {
        // `{"TempCredit":true}` asks for the temporary credit fields too.
        let body = Array((settings.tempCredit ? #"{"TempCredit":true}"# : "{}").utf8)
        let request = TencentRequest.make(endpoint: settings.endpoint, action: Self.action, version: Self.version,
                                          region: settings.region, language: settings.language,
                                          credentials: credentials, body: body, timestamp: Int(context.clock.now()),
                                          userAgent: context.userAgent)
        let response = try await context.transport.exchange(request, to: settings.endpoint.url, timeout: settings.requestTimeout,
                                                     what: Self.action)
        do {
            return try TencentBalanceMapping.reading(status: response.status, body: response.body)
        } catch {
            throw error.retrying(after: response, now: context.clock.now())
        }
    }
}

extension TencentCredentials: SigningCredential {
    /// What must never appear in an error: the key and the session token
    /// (an upstream may quote back what it was sent, in any field:
    /// LiveSecretsTests found a token in `RequestId`).
    var secrets: [String] { [secretKey, token].compactMap { $0 } }
    var isTemporary: Bool { token != nil }
}
