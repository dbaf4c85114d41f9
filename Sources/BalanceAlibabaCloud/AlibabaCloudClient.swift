import BalanceCore
import BalanceHTTP
import BalanceSupport
import Synchronization

/// Reads one account's balance with BssOpenApi `QueryAccountBalance`: the
/// I/O edge around the pure request builder, parsers and mapping. Learns the
/// `uin` from STS `GetCallerIdentity` once per credential unless the account
/// configures one.
package final class AlibabaCloudClient: BalanceProvider {
    private let account: String
    private let settings: AlibabaCloudSettings
    private let credentialProvider: any AlibabaCredentialProvider
    private let caller: AlibabaCaller
    private let logger: Logger
    /// The `AccountId` learned for the AccessKey ID it was learned with.
    private let learned = Mutex<(accessKeyId: String, uin: String)?>(nil)

    init(account: String, settings: AlibabaCloudSettings, credentials: any AlibabaCredentialProvider, caller: AlibabaCaller,
         logger: Logger) {
        self.account = account
        self.settings = settings
        self.credentialProvider = credentials
        self.caller = caller
        self.logger = logger
    }

    /// Every error leaves scrubbed of the secrets and tokens it was made with, and bounded; a security
    /// token refused (`InvalidSecurityToken.*`) is renewed once (`RenewOnce`).
    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        let source = credentialProvider
        do {
            return try await RenewOnce(provider: "Alibaba Cloud", account: account, logger: logger,
                                       credentials: { () throws(ProviderError) in try await source.credentials() },
                                       invalidate: { await source.invalidate($0) },
                                       isTokenRefusal: AlibabaErrorCode.isSecurityTokenRejection)
                .fetch(fetch(with:))
        } catch {
            if error.code == AlibabaErrorCode.notApplicable { warnOtherSite(error) }
            throw error
        }
    }

    private func fetch(with credentials: AlibabaCredentials) async throws(ProviderError) -> BalanceReading {
        let response = try await caller.send(AlibabaAPI.queryAccountBalance.action) { timestamp, nonce in
            AlibabaRequest.balance(endpoint: settings.endpoint, credentials: credentials, timestamp: timestamp, nonce: nonce,
                                   userAgent: caller.userAgent)
        }
        let balance = try AlibabaBalance.parse(response, now: caller.clock.now(), removing: credentials.secrets)
        let uin = settings.pinsUIN ? nil : await uin(for: credentials)
        return AlibabaBalanceMapping.reading(balance, uin: uin)
    }

    /// The main account's UID: cached per AccessKey ID, else one
    /// `GetCallerIdentity` call. A failure is logged and leaves the `uin`
    /// to the engine (the account name) until a later fetch learns it:
    /// never a made-up one.
    private func uin(for credentials: AlibabaCredentials) async -> String? {
        if let known = learned.withLock({ $0 }), known.accessKeyId == credentials.accessKeyId { return known.uin }
        do throws(ProviderError) {
            let response = try await caller.send(AlibabaAPI.getCallerIdentity.action) { timestamp, nonce in
                AlibabaRequest.callerIdentity(endpoint: settings.stsEndpoint, credentials: credentials, timestamp: timestamp, nonce: nonce,
                                              userAgent: caller.userAgent)
            }
            let identity = try AlibabaSTS.identity(response, now: caller.clock.now(), removing: credentials.secrets)
            learned.withLock { $0 = (credentials.accessKeyId, identity.accountID) }
            return identity.accountID
        } catch {
            logger.warn("Alibaba Cloud GetCallerIdentity failed; the uin label is the account name until it succeeds",
                        ["account": .string(account), "reason": .string(error.reason.rawValue),
                         "err": .string(error.bounded(removing: credentials.secrets).message)])
            return nil
        }
    }

    /// `NotApplicable`: most likely a key of the other site's account system.
    private func warnOtherSite(_ error: ProviderError) {
        let configured = settings.endpoint.url.host.lowercased()
        let other = configured == "business.aliyuncs.com" ? AlibabaCloud.internationalEndpoint : AlibabaCloud.chinaEndpoint
        logger.warn("Alibaba Cloud answered NotApplicable: the account is probably registered on the other site; "
                    + "set its endpoint to the other site's (never switched automatically)",
                    ["account": .string(account), "endpoint": .string(settings.endpoint.url.host), "try_endpoint": .string(other),
                     "request_id": error.requestID.map(LogValue.string)])
    }
}
