import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Temporary credentials of the ECS instance's RAM role from the metadata
/// service (`AlibabaInstanceMetadata`: IMDSv2 session token first, the role
/// named or discovered, then its credentials), cached until
/// `AlibabaCloud.credentialsRefreshMargin` before `Expiration` by the
/// shared single-flight cache.
final class AlibabaInstanceRoleCredentials: AlibabaCredentialProvider {
    private let cache: CredentialCache<AlibabaCredentials>

    /// - Parameters:
    ///   - roleName: the role to read (`ALIBABA_CLOUD_ECS_METADATA`, a
    ///     credentials file's `role_name`); nil: the one the service lists.
    ///   - allowIMDSv1: false (`ALIBABA_CLOUD_IMDSV1_DISABLED=true`): without
    ///     a session token nothing is asked.
    init(metadataEndpoint: HTTPURL, roleName: String?, allowIMDSv1: Bool, transport: any HTTPTransport, clock: any WallClock,
         timeout: Double) {
        cache = CredentialCache(clock: clock) { _ throws(ProviderError) in
            try await Self.fetch(base: metadataEndpoint, roleName: roleName, allowIMDSv1: allowIMDSv1, transport: transport,
                                 timeout: timeout)
        }
    }

    func credentials() async throws(ProviderError) -> AlibabaCredentials {
        try await cache.credential()
    }

    func invalidate(_ rejected: AlibabaCredentials) async {
        await cache.invalidate(rejected)
    }

    static func fetch(base: HTTPURL, roleName: String?, allowIMDSv1: Bool, transport: any HTTPTransport,
                      timeout: Double) async throws(ProviderError) -> AlibabaCredentials {
        var token: String?
        do {
            token = try AlibabaInstanceMetadata.token(
                try await transport.exchange(AlibabaInstanceMetadata.tokenRequest(base: base), timeout: timeout, what: "ECS metadata token request"))
        } catch {
            // The SDKs fall back to requests without a token (IMDSv1) unless that is forbidden.
            guard allowIMDSv1 else {
                var refused = error
                refused.message += " (ALIBABA_CLOUD_IMDSV1_DISABLED=true forbids requests without a session token)"
                throw refused
            }
        }
        let role: String
        if let roleName {
            guard AlibabaInstanceMetadata.isRoleName(roleName) else {
                throw ProviderError(.auth, message: "ECS RAM role name \"\(UpstreamText.cap(UpstreamText.quote(roleName), 64))\" is not a RAM role name")
            }
            role = roleName
        } else {
            role = try AlibabaInstanceMetadata.roleName(
                try await transport.exchange(AlibabaInstanceMetadata.roleNameRequest(base: base, token: token), timeout: timeout,
                                             what: "ECS metadata role request"))
        }
        return try AlibabaInstanceMetadata.credentials(
            try await transport.exchange(AlibabaInstanceMetadata.credentialsRequest(base: base, role: role, token: token), timeout: timeout,
                                         what: "ECS metadata credentials request"),
            role: role)
    }
}
