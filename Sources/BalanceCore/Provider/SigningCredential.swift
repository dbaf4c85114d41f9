import BalanceSupport

/// What every provider signs its requests with: a key pair, and a session
/// token when the credentials are temporary (STS, an instance role).
package protocol SigningCredential: Sendable, Equatable {
    /// What must never appear in an error or a log line: the secret key and
    /// the session token (an upstream may quote back what it was sent, in
    /// any field).
    var secrets: [String] { get }
    /// Where they came from, for log lines (`environment`, `STS role ...`).
    var source: String { get }
    /// Whether a session token comes with them, so that the upstream can
    /// refuse them as expired before their announced expiry.
    var isTemporary: Bool { get }
}

/// The one refresh flow of every signing provider: fetch with the current
/// credentials; when the upstream refuses temporary ones as expired or
/// revoked, renew them and fetch exactly once more (never a loop); every
/// error leaves bounded and scrubbed of every secret used.
package struct RenewOnce<Credential: SigningCredential>: Sendable {
    package var credentials: @Sendable () async throws(ProviderError) -> Credential
    package var invalidate: @Sendable (Credential) async -> Void
    /// Whether the upstream refused the session token (`AuthFailure.TokenFailure`, ...).
    package var isTokenRefusal: @Sendable (ProviderError) -> Bool
    package var logger: Logger
    /// The provider's name in the log line (`Tencent Cloud`).
    package var provider: String
    package var account: String?

    package init(provider: String, account: String?, logger: Logger,
                 credentials: @escaping @Sendable () async throws(ProviderError) -> Credential,
                 invalidate: @escaping @Sendable (Credential) async -> Void,
                 isTokenRefusal: @escaping @Sendable (ProviderError) -> Bool) {
        self.provider = provider
        self.account = account
        self.logger = logger
        self.credentials = credentials
        self.invalidate = invalidate
        self.isTokenRefusal = isTokenRefusal
    }

    package func fetch(_ body: (Credential) async throws(ProviderError) -> BalanceReading) async throws(ProviderError) -> BalanceReading {
        var secrets: [String] = []
        do throws(ProviderError) {
            let current = try await credentials()
            secrets += current.secrets
            do throws(ProviderError) {
                return try await body(current)
            } catch where current.isTemporary && isTokenRefusal(error) {
                logger.info("\(provider) temporary credentials refused; renewing them and retrying once",
                            ["account": account.map(LogValue.string), "source": .string(current.source),
                             "code": error.code.map(LogValue.string),
                             "request_id": error.bounded(removing: secrets).requestID.map(LogValue.string)])
                await invalidate(current)
                let fresh = try await credentials()
                secrets += fresh.secrets
                // Configured session tokens cannot be renewed: retrying with the same ones is pointless.
                guard fresh != current else { throw error }
                return try await body(fresh)
            }
        } catch {
            throw error.bounded(removing: secrets)
        }
    }
}
