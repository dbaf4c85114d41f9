import BalanceCore

/// One set of Tencent Cloud API credentials.
struct TencentCredentials: ExpiringCredential, CustomStringConvertible {
    /// The SDKs refresh CVM role and STS credentials 300 s before expiry.
    static let refreshMargin = 300.0

    var secretId: String
    var secretKey: String
    /// Session token of temporary credentials (STS, CVM role): sent as `X-TC-Token`.
    var token: String?
    /// Unix seconds when temporary credentials expire; nil for permanent keys.
    var expiresAt: Double?
    /// Where they came from, for messages (`account config`, `environment`, ...).
    var source: String

    var lifetime: CredentialLifetime { CredentialLifetime(expiresAt: expiresAt, margin: Self.refreshMargin) }

    /// Never prints the key or the token.
    var description: String { "TencentCredentials(secretId: \(secretId), source: \(source))" }
}

/// Supplies the credentials a request is signed with.
///
/// Contract: `credentials()` returns credentials valid now (refreshing cached
/// temporary ones ahead of expiry, concurrent callers sharing one refresh) or
/// throws `ProviderError` with reason `.auth` (none found) or the reason of the
/// failed fetch; messages never contain a key or a token. `invalidate(_:)` is
/// called when the API rejected `rejected` as expired
/// (`AuthFailure.TokenFailure`): the next `credentials()` must fetch new ones.
protocol TencentCredentialProvider: Sendable {
    func credentials() async throws(ProviderError) -> TencentCredentials
    func invalidate(_ rejected: TencentCredentials) async
}

/// Permanent keys from the account configuration.
struct TencentStaticCredentials: TencentCredentialProvider {
    let value: TencentCredentials
    func credentials() async throws(ProviderError) -> TencentCredentials { value }
    func invalidate(_ rejected: TencentCredentials) async {}
}
