import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Temporary credentials from STS `AssumeRole` (version 2015-04-01, V3
/// signed), signed with the base credentials: one identity reading many
/// accounts. Cached until `AlibabaCloud.credentialsRefreshMargin` before
/// `Expiration` by the shared single-flight cache.
final class AlibabaAssumeRoleCredentials: AlibabaCredentialProvider {
    private let cache: CredentialCache<AlibabaCredentials>

    init(role: AlibabaRole, stsEndpoint: AlibabaEndpoint, base: any AlibabaCredentialProvider, caller: AlibabaCaller) {
        cache = CredentialCache(clock: caller.clock) { _ throws(ProviderError) in
            try await Self.assume(role: role, stsEndpoint: stsEndpoint, base: base, caller: caller)
        }
    }

    func credentials() async throws(ProviderError) -> AlibabaCredentials {
        try await cache.credential()
    }

    func invalidate(_ rejected: AlibabaCredentials) async {
        await cache.invalidate(rejected)
    }

    /// A base with a security token (an ECS role, for example) that STS
    /// rejects as expired is refreshed once and the call made once more.
    static func assume(role: AlibabaRole, stsEndpoint: AlibabaEndpoint, base: any AlibabaCredentialProvider,
                       caller: AlibabaCaller) async throws(ProviderError) -> AlibabaCredentials {
        let baseCredentials = try await base.credentials()
        do {
            return try await call(role: role, stsEndpoint: stsEndpoint, with: baseCredentials, caller: caller)
        } catch where AlibabaErrorCode.isSecurityTokenRejection(error) && baseCredentials.securityToken != nil {
            await base.invalidate(baseCredentials)
            let fresh = try await base.credentials()
            guard fresh != baseCredentials else { throw error }
            return try await call(role: role, stsEndpoint: stsEndpoint, with: fresh, caller: caller)
        }
    }

    private static func call(role: AlibabaRole, stsEndpoint: AlibabaEndpoint, with base: AlibabaCredentials,
                             caller: AlibabaCaller) async throws(ProviderError) -> AlibabaCredentials {
        do {
            let response = try await caller.send(AlibabaAPI.assumeRole.action) { timestamp, nonce in
                AlibabaRequest.assumeRole(endpoint: stsEndpoint, role: role, credentials: base, timestamp: timestamp, nonce: nonce,
                                          userAgent: caller.userAgent)
            }
            return try AlibabaSTS.assumedRole(response, role: role, now: caller.clock.now(), removing: base.secrets)
        } catch {
            throw error.bounded(removing: base.secrets)
        }
    }
}
