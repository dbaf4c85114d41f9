import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Supplies the credentials a request is signed with.
///
/// Contract: `credentials()` returns credentials valid now (refreshing cached
/// temporary ones ahead of expiry, concurrent callers sharing one refresh) or
/// throws `ProviderError` with reason `.auth` (none found) or the reason of the
/// failed fetch; messages never contain a secret or a token. `invalidate(_:)`
/// is called when the API refused `rejected` as expired (`InvalidSecretToken`):
/// the next `credentials()` must not return it again if it can fetch others.
protocol VolcengineCredentialProvider: Sendable {
    func credentials() async throws(ProviderError) -> VolcengineCredentials
    func invalidate(_ rejected: VolcengineCredentials) async
}

/// Keys from the account configuration (a session token included, which cannot be renewed).
struct VolcengineStaticCredentials: VolcengineCredentialProvider {
    let value: VolcengineCredentials
    func credentials() async throws(ProviderError) -> VolcengineCredentials { value }
    func invalidate(_ rejected: VolcengineCredentials) async {}
}

/// The official SDKs' environment variables, for an account that configures
/// no keys. Read on every call: the environment is the process's, fixed at start.
struct VolcengineEnvironmentCredentials: VolcengineCredentialProvider {
    let environment: [String: String]

    func credentials() async throws(ProviderError) -> VolcengineCredentials {
        guard let found = VolcengineCredentials.fromEnvironment(environment) else {
            throw ProviderError(.auth, message: "no Volcengine credentials: the account sets no access_key/secret_key, and neither "
                + "VOLCENGINE_ACCESS_KEY/VOLCENGINE_SECRET_KEY nor VOLC_ACCESSKEY/VOLC_SECRETKEY are in the environment")
        }
        return found
    }

    func invalidate(_ rejected: VolcengineCredentials) async {}
}

/// Temporary credentials from STS `AssumeRole`, signed with the base
/// credentials: one identity reading many accounts. Cached in the shared
/// single-flight `CredentialCache` until `refreshMargin` before `ExpiredTime`,
/// by the injected clock.
final class VolcengineAssumeRoleCredentials: VolcengineCredentialProvider {
    private let cache: CredentialCache<VolcengineCredentials>

    init(role: VolcengineRole, stsEndpoint: HTTPURL, region: String, base: any VolcengineCredentialProvider,
         transport: any HTTPTransport, clock: any WallClock, timeout: Double, userAgent: String) {
        cache = CredentialCache(clock: clock) { _ throws(ProviderError) in
            let baseCredentials: VolcengineCredentials
            do throws(ProviderError) {
                baseCredentials = try await base.credentials()
            } catch {
                var wrapped = error
                wrapped.message = "STS AssumeRole: \(wrapped.message)"
                throw wrapped
            }
            let request = VolcengineRequest.assumeRole(endpoint: stsEndpoint, region: region, role: role, credentials: baseCredentials,
                                                       timestamp: Int(clock.now().rounded(.down)), userAgent: userAgent)
            let response: HTTPResponse
            do throws(ProviderError) {
                response = try await transport.exchange(request.call, timeout: timeout, what: "STS AssumeRole")
            } catch {
                throw error.bounded(removing: baseCredentials.secrets)
            }
            return try VolcengineAssumeRole.credentials(response, role: role, now: clock.now(), secrets: baseCredentials.secrets)
        }
    }

    func credentials() async throws(ProviderError) -> VolcengineCredentials {
        try await cache.credential()
    }

    func invalidate(_ rejected: VolcengineCredentials) async {
        await cache.invalidate(rejected)
    }
}
