import BalanceCore

/// Supplies the credentials a request is signed with.
///
/// Contract: `credentials()` returns credentials valid now (refreshing cached
/// temporary ones `AlibabaCloud.credentialsRefreshMargin` ahead of expiry,
/// concurrent callers sharing one refresh through `CredentialCache`) or
/// throws `ProviderError` with reason `.auth` (none found) or the reason of
/// the failed fetch; messages never contain a secret or a token.
/// `invalidate(_:)` is called when the API rejected `rejected`'s security
/// token (`InvalidSecurityToken.*`): the next `credentials()` fetches new ones.
protocol AlibabaCredentialProvider: Sendable {
    func credentials() async throws(ProviderError) -> AlibabaCredentials
    func invalidate(_ rejected: AlibabaCredentials) async
}

/// Keys from the account configuration (a configured `security_token`
/// included: it cannot be refreshed).
struct AlibabaStaticCredentials: AlibabaCredentialProvider {
    let value: AlibabaCredentials
    func credentials() async throws(ProviderError) -> AlibabaCredentials { value }
    func invalidate(_ rejected: AlibabaCredentials) async {}
}
