import BalanceCore
import BalanceHTTP
import BalanceSupport

extension HuaweiCredentials: ExpiringCredential {
    /// Renewed 5 minutes before they expire: the metadata service hands out
    /// new keys 10 minutes before the old ones expire
    /// (https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0166.html),
    /// so by then there are new ones to get. (The SDK's 40-minute margin
    /// would ask again on every refresh for half an hour, getting the same keys.)
    static let refreshMargin = 300.0

    package var lifetime: CredentialLifetime { CredentialLifetime(expiresAt: expiresAt, margin: Self.refreshMargin) }
}

/// Supplies the credentials a request is signed with, and the settings found
/// next to them (`domain_id`, `iam_endpoint` of the environment or the file).
///
/// Contract: `profile()` returns credentials valid now (refreshing cached
/// temporary ones ahead of expiry, concurrent callers sharing one refresh) or
/// throws `ProviderError` with reason `.auth` (none found) or the reason of
/// the failed fetch; messages never contain a secret key or a token.
/// `invalidate(_:)` is called when the API rejected `rejected` as expired:
/// the next `profile()` must fetch new ones.
protocol HuaweiCredentialProvider: Sendable {
    func profile() async throws(ProviderError) -> HuaweiProfile
    func invalidate(_ rejected: HuaweiCredentials) async
}

/// The account's own keys.
struct HuaweiStaticCredentials: HuaweiCredentialProvider {
    let value: HuaweiProfile
    func profile() async throws(ProviderError) -> HuaweiProfile { value }
    func invalidate(_ rejected: HuaweiCredentials) async {}
}

/// The official SDK's chain for an account without keys
/// (https://github.com/huaweicloud/huaweicloud-sdk-python-v3, `core/auth/provider.py`):
/// the environment, then the credentials file, then the ECS agency's
/// temporary keys. Each call looks again (environment and file are cheap;
/// the agency's keys are cached by their provider), so keys rotated on disk
/// are picked up.
struct HuaweiCredentialsChain: HuaweiCredentialProvider {
    let environment: [String: String]
    let readFile: @Sendable (String) -> String?
    let agency: HuaweiAgencyCredentials

    func profile() async throws(ProviderError) -> HuaweiProfile {
        if let found = HuaweiProfile.environment(environment) { return found }
        let path = HuaweiCredentialsFile.path(environment: environment)
        if let path, let text = readFile(path), let found = HuaweiCredentialsFile.profile(fromINI: text, path: path) {
            return found
        }
        do {
            return HuaweiProfile(credentials: try await agency.credentials(), domainId: nil, iamEndpoint: nil)
        } catch {
            throw ProviderError(.auth, message: "no Huawei Cloud credentials: the account sets no access_key/secret_key; "
                + "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK are not in the environment; no [\(HuaweiCredentialsFile.section)] ak/sk in "
                + (path ?? "the credentials file (HOME unset)") + "; ECS agency keys unavailable (\(error.message))")
        }
    }

    func invalidate(_ rejected: HuaweiCredentials) async {
        await agency.invalidate(rejected)
    }
}

/// The temporary keys of the ECS instance's cloud service agency
/// (`HuaweiMetadataCredentials`), cached until `refreshMargin` before they
/// expire, one fetch shared by all callers.
final class HuaweiAgencyCredentials: Sendable {
    private let cache: CredentialCache<HuaweiCredentials>

    init(metadataEndpoint: HTTPURL, transport: any HTTPTransport, clock: any WallClock, timeout: Double) {
        cache = CredentialCache(clock: clock) { _ throws(ProviderError) in
            try await Self.fetch(metadataEndpoint, transport: transport, clock: clock, timeout: timeout)
        }
    }

    func credentials() async throws(ProviderError) -> HuaweiCredentials {
        try await cache.credential()
    }

    func invalidate(_ rejected: HuaweiCredentials) async {
        await cache.invalidate(rejected)
    }

    /// A session token first, as the SDK asks (an instance that requires one
    /// refuses the keys without it); without one the keys are asked for anyway.
    static func fetch(_ endpoint: HTTPURL, transport: any HTTPTransport, clock: any WallClock,
                      timeout: Double) async throws(ProviderError) -> HuaweiCredentials {
        let what = "ECS metadata request"
        let token: String?
        do throws(ProviderError) {
            token = HuaweiMetadataCredentials.sessionToken(
                try await transport.exchange(HuaweiRequest.metadataToken(metadataEndpoint: endpoint).call, timeout: timeout, what: what))
        } catch {
            token = nil
        }
        let response = try await transport.exchange(HuaweiRequest.securityKey(metadataEndpoint: endpoint, metadataToken: token).call,
                                                    timeout: timeout, what: what)
        let exchange = HuaweiResponse.Exchange(call: "ECS metadata", endpoint: endpoint, now: clock.now(),
                                               secrets: token.map { [$0] } ?? [])
        return try HuaweiMetadataCredentials.parse(response, exchange)
    }
}
