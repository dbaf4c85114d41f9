import BalanceCore
import BalanceHTTP
import BalanceSupport
import Synchronization

/// Reads one account's balances with BSS `ShowCustomerAccountBalances`: the
/// I/O edge around the pure signer, request builders and mapping.
///
/// The `uin` label: the account's `uin` pins it (the engine applies it), and
/// then no IAM call is made; else the domain id (the account's `domain_id`,
/// the environment's or the credentials file's, else IAM `GET /v3/auth/domains`,
/// asked once per access key). If IAM refuses, the balance is read without
/// `X-Domain-Id`, the label stays the account name, and one warning says to
/// set `domain_id`.
package final class HuaweiCloudClient: BalanceProvider {
    static let balanceCall = "ShowCustomerAccountBalances"
    static let domainsCall = "IAM GET /v3/auth/domains"

    /// What IAM said of the latest access key.
    private struct Identity {
        var accessKey: String
        /// Nil: IAM refused.
        var domainId: String?
    }

    private let accountName: String
    private let uinPinned: Bool
    private let settings: HuaweiCloudSettings
    private let credentialProvider: any HuaweiCredentialProvider
    private let keyFailures: HuaweiKeyFailures
    private let transport: any HTTPTransport
    private let clock: any WallClock
    private let logger: Logger
    private let userAgent: String
    private let identity = Mutex<Identity?>(nil)
    private let warnedNoDomainId = Mutex(false)

    init(account: AccountConfig, settings: HuaweiCloudSettings, credentials: any HuaweiCredentialProvider,
         keyFailures: HuaweiKeyFailures, context: ProviderContext) {
        accountName = account.name
        uinPinned = account.uin != nil
        self.settings = settings
        self.credentialProvider = credentials
        self.keyFailures = keyFailures
        transport = context.transport
        clock = context.clock
        logger = context.logger
        userAgent = context.userAgent
    }

    /// Every error leaves scrubbed of the keys and tokens it was made with, and bounded; temporary keys
    /// refused as expired are renewed once (`RenewOnce`).
    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        let source = credentialProvider
        return try await RenewOnce(provider: "Huawei Cloud", account: accountName, logger: logger,
                                   credentials: { () throws(ProviderError) in try await source.profile() },
                                   invalidate: { await source.invalidate($0.credentials) },
                                   isTokenRefusal: HuaweiErrorCode.isTokenExpired)
            .fetch(fetch(with:))
    }

    private func fetch(with profile: HuaweiProfile) async throws(ProviderError) -> BalanceReading {
        let credentials = profile.credentials
        if let until = await keyFailures.pausedUntil(credentials.accessKey, now: clock.now()) {
            throw ProviderError(.auth, message: "the access key (\(credentials.source)) failed authentication "
                + "\(HuaweiKeyFailures.pauseAfter) times in a row: not used for another \(Int((until - clock.now()).rounded(.up))) s, "
                + "because Huawei Cloud locks a key for 5 minutes after \(HuaweiCloud.lockoutFailures) failures")
        }
        let domainId = try await domainId(profile)
        let request = HuaweiRequest.balance(endpoint: settings.endpoint, credentials: credentials, domainId: domainId,
                                            userAgent: userAgent, timestamp: Int(clock.now()))
        let balance = try await send(request, credentials, what: Self.balanceCall, call: nil) { response, exchange throws(ProviderError) in
            try HuaweiBalanceMapping.balance(response, exchange, domainId: domainId)
        }
        var reading = balance.reading
        reading.currency = balance.currency
        return reading
    }

    /// The domain id for `X-Domain-Id` and the `uin` label; nil when the
    /// account pins its `uin` or IAM refuses. An authentication failure at
    /// IAM is the refresh's failure: the balance call would fail the same way.
    private func domainId(_ profile: HuaweiProfile) async throws(ProviderError) -> String? {
        if let configured = settings.domainId ?? profile.domainId { return configured }
        if uinPinned { return nil }
        let credentials = profile.credentials
        if let known = identity.withLock({ $0 }), known.accessKey == credentials.accessKey { return known.domainId }
        let iamEndpoint = settings.iamEndpointConfigured ? settings.iamEndpoint
            : profile.iamEndpoint.flatMap { HTTPURL(string: $0) } ?? settings.iamEndpoint
        let request = HuaweiRequest.domains(iamEndpoint: iamEndpoint, credentials: credentials, userAgent: userAgent,
                                            timestamp: Int(clock.now()))
        do throws(ProviderError) {
            let answer = try await send(request, credentials, what: "KeystoneListAuthDomains", call: Self.domainsCall) {
                response, exchange throws(ProviderError) in try HuaweiIdentityResponse.parse(response, exchange)
            }
            identity.withLock { $0 = Identity(accessKey: credentials.accessKey, domainId: answer.domainId) }
            return answer.domainId
        } catch where HuaweiKeyFailures.counts(error) {
            throw error
        } catch {
            // A refusal is kept for this key; a transient failure is asked again at the next refresh.
            let refused = [.permission, .upstream_error, .bad_response].contains(error.reason)
            if refused { identity.withLock { $0 = Identity(accessKey: credentials.accessKey, domainId: nil) } }
            if !warnedNoDomainId.withLock({ warned in defer { warned = true }; return warned }) {
                logger.warn("Huawei Cloud IAM did not give the account ID of this key; reading the balance without it, "
                            + "the uin label is the account name: set domain_id",
                            ["account": .string(accountName), "reason": .string(error.reason.rawValue),
                             "err": .string(error.bounded(removing: credentials.secrets).message)])
            }
            return nil
        }
    }

    /// One signed call: refused while its key is paused (`fetch`), its
    /// authentication outcome counted for the key.
    private func send<Result>(_ request: HuaweiRequest, _ credentials: HuaweiCredentials, what: String, call: String?,
                              _ parse: (HTTPResponse, HuaweiResponse.Exchange) throws(ProviderError) -> Result) async throws(ProviderError) -> Result {
        let response = try await transport.exchange(request.call, timeout: settings.requestTimeout, what: what)
        let exchange = HuaweiResponse.Exchange(call: call, endpoint: request.url, now: clock.now(), secrets: credentials.secrets)
        do throws(ProviderError) {
            let result = try parse(response, exchange)
            await keyFailures.record(credentials.accessKey, failed: false, now: clock.now())
            return result
        } catch {
            if HuaweiKeyFailures.counts(error) { await keyFailures.record(credentials.accessKey, failed: true, now: clock.now()) }
            throw error
        }
    }
}
