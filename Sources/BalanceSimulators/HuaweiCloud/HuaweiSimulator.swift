import BalanceCrypto
import BalanceHTTP
import BalanceSupport
import Synchronization

/// A scripted fault for the next request(s) to one API, in order.
package enum HuaweiSimulatorFault: Sendable, Equatable {
    /// This error envelope and status (200 too: BSS sends some errors with HTTP 200);
    /// the gateway's form (with `request_id`) for `APIGW.`/`APIG.` codes, else the BSS form.
    case error(status: Int, code: String, message: String)
    /// This HTTP status with an HTML body, as a load balancer sends.
    case httpStatus(Int)
    /// HTTP 200 with an HTML body.
    case garbage
    /// HTTP 200 with a real answer cut in half.
    case truncatedJSON
    /// HTTP 429 `APIGW.0308`, with `Retry-After` when given.
    case throttled(retryAfter: String?)
}

/// A simulated Huawei Cloud as an `HTTPHandler`: the API gateway in front of
/// BSS `GET /v2/accounts/customer-accounts/balances` and IAM
/// `GET /v3/auth/domains` (serve it at both the endpoint and the IAM
/// endpoint), for tests and the demo.
///
/// Like the gateway it checks every SDK-HMAC-SHA256 signature on its own code
/// path (`HuaweiSimulatorSignature`), `X-Sdk-Date` within 15 minutes of its
/// injected clock, the security token of temporary keys (the scheme has no
/// nonce), and answers with the documented envelopes and statuses: 401
/// `APIGW.0301` for a bad signature, an unknown key, an expired signature or
/// token; after `lockoutFailures` consecutive failures of one key it refuses
/// that key for `lockoutSeconds`, correct requests included; 429 `APIGW.0308`
/// beyond the rate limit (`setRateLimit`, default 10 requests per second per
/// API, refused ones counted too;
/// one simulator is one source IP); 403 `CBC.0151` without permission, 403
/// `CBC.0156` for an account of another site; 404 `APIGW.0101` for another
/// API. Where Huawei documents no answer (an `X-Domain-Id` of another
/// account), it answers 401 `APIGW.0301`. The request line may be HTTP/1.0
/// with a `Via` header (a proxy's). Accounts, keys and faults are set by the
/// caller; every request is recorded. Thread-safe.
package final class HuaweiSimulator: HTTPHandler {
    package enum API: Sendable {
        case balance, domains
    }

    private struct Key {
        var secretKey: String
        var securityToken: String?
        var expiresAt: Double?
        var domainId: String
        var canViewBalance = true
        var canListDomains = true
    }

    private struct State {
        var accounts: [String: HuaweiSimulatorAccount] = [:]
        var keys: [String: Key] = [:]
        var faults: [API: [HuaweiSimulatorFault]] = [:]
        var requests = RequestLog()
        var failures: [String: Int] = [:]
        var lockedUntil: [String: Double] = [:]
        var recent: [API: [Double]] = [:]
        var rateLimit: Int? = 10
    }

    static let balancePath = "/v2/accounts/customer-accounts/balances"
    static let domainsPath = "/v3/auth/domains"
    static let allowedSkew = 900.0
    package static let lockoutFailures = 5
    package static let lockoutSeconds = 300.0

    package let site: HuaweiSimulatorAccount.Site
    private let clock: any WallClock
    private let state = Mutex(State())

    package init(clock: any WallClock, site: HuaweiSimulatorAccount.Site = .china) {
        self.clock = clock
        self.site = site
    }

    // MARK: Scripting

    package func setAccount(domainId: String, _ account: HuaweiSimulatorAccount) {
        state.withLock { $0.accounts[domainId] = account }
    }

    package func updateAccount(domainId: String, _ change: (inout HuaweiSimulatorAccount) -> Void) {
        state.withLock { s in
            guard var account = s.accounts[domainId] else { return }
            change(&account)
            s.accounts[domainId] = account
        }
    }

    /// Permanent keys of the account `domainId`.
    package func addKey(accessKey: String, secretKey: String, domainId: String) {
        state.withLock { $0.keys[accessKey] = Key(secretKey: secretKey, domainId: domainId) }
    }

    /// Temporary keys: accepted only with `securityToken`, and before `expiresAt`.
    package func addTemporaryKey(accessKey: String, secretKey: String, securityToken: String, expiresAt: Double, domainId: String) {
        state.withLock {
            $0.keys[accessKey] = Key(secretKey: secretKey, securityToken: securityToken, expiresAt: expiresAt, domainId: domainId)
        }
    }

    package func removeKey(accessKey: String) {
        state.withLock { _ = $0.keys.removeValue(forKey: accessKey) }
    }

    /// What the key's IAM policies allow: `bss:balance:view`, and listing its domain.
    package func setPermissions(accessKey: String, viewBalance: Bool = true, listDomains: Bool = true) {
        state.withLock { s in
            s.keys[accessKey]?.canViewBalance = viewBalance
            s.keys[accessKey]?.canListDomains = listDomains
        }
    }

    /// Requests per second per API beyond which the answer is 429; nil: unlimited.
    package func setRateLimit(_ perSecond: Int?) {
        state.withLock { $0.rateLimit = perSecond }
    }

    package func enqueueFaults(_ faults: [HuaweiSimulatorFault], for api: API = .balance) {
        state.withLock { $0.faults[api, default: []] += faults }
    }

    /// Until when (Unix seconds) the key is locked after repeated failures; nil when it is not.
    package func lockedUntil(accessKey: String) -> Double? {
        let now = clock.now()
        return state.withLock { $0.lockedUntil[accessKey].flatMap { $0 > now ? $0 : nil } }
    }

    /// Every request received, in order.
    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }

    // MARK: HTTPHandler

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        return state.withLock { s in
            s.requests.record(request)
            let requestID = "sim-huawei-\(s.requests.total)"
            let path = request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
            let api: API
            switch (request.method, path) {
            case ("GET", Self.balancePath): api = .balance
            case ("GET", Self.domainsPath): api = .domains
            case (_, Self.balancePath), (_, Self.domainsPath):
                return HuaweiSimulatorWire.gatewayError(404, "APIGW.0101", "The API does not exist.", requestID: requestID, now: now)
            default:
                return HuaweiSimulatorWire.gatewayError(404, "APIGW.0101", "The API does not exist or has not been published in the environment",
                                                        requestID: requestID, now: now)
            }
            if let fault = s.faults[api]?.first {
                s.faults[api]?.removeFirst()
                return Self.answer(fault, requestID: requestID, now: now)
            }
            let key: Key
            switch Self.authenticate(request, state: &s, now: now) {
            case .success(let signer): key = signer
            case .failure(let rejection):
                return HuaweiSimulatorWire.gatewayError(401, "APIGW.0301", "Incorrect IAM authentication information: \(rejection.message)",
                                                        requestID: requestID, now: now)
            }
            if let limit = s.rateLimit {
                let window = (s.recent[api] ?? []).filter { $0 > now - 1 } + [now]
                s.recent[api] = window
                if window.count > limit {
                    return HuaweiSimulatorWire.gatewayError(
                        429, "APIGW.0308", "The throttling threshold has been reached: policy ip over ratelimit,limit:\(limit),time:1 second",
                        requestID: requestID, now: now)
                }
            }
            switch api {
            case .balance: return Self.balance(request, key: key, state: s, requestID: requestID, now: now, site: site)
            case .domains: return Self.domains(key: key, state: s, requestID: requestID, now: now)
            }
        }
    }

    private struct Rejection: Error {
        var message: String
    }

    /// The key that signed `request`, or why the gateway refuses it; counts
    /// the key's consecutive failures and locks it at `lockoutFailures`.
    private static func authenticate(_ request: HTTPRequest, state s: inout State, now: Double) -> Result<Key, Rejection> {
        guard let header = request.headers["Authorization"] else { return .failure(Rejection(message: "x-auth-token not found")) }
        guard let auth = HuaweiSimulatorSignature.parseAuthorization(header) else {
            return .failure(Rejection(message: "the Authorization header is not SDK-HMAC-SHA256 Access=, SignedHeaders=, Signature="))
        }
        guard let key = s.keys[auth.accessKey] else {
            return .failure(Rejection(message: "Get secretKey failed,ak:******,err:ak not exist"))
        }
        if let until = s.lockedUntil[auth.accessKey], now < until {
            return .failure(Rejection(message: "AK access failed to reach the limit,forbidden"))
        }
        let result = verify(request, auth: auth, key: key, now: now)
        switch result {
        case .success:
            s.failures[auth.accessKey] = 0
        case .failure:
            let failures = (s.failures[auth.accessKey] ?? 0) + 1
            s.failures[auth.accessKey] = failures
            if failures >= lockoutFailures {
                s.lockedUntil[auth.accessKey] = now + lockoutSeconds
                s.failures[auth.accessKey] = 0
            }
        }
        return result.map { key }
    }

    private static func verify(_ request: HTTPRequest, auth: HuaweiSimulatorSignature.Authorization, key: Key,
                               now: Double) -> Result<Void, Rejection> {
        guard let sdkDate = request.headers["X-Sdk-Date"], let signedAt = HuaweiSimulatorWire.parseSDKDate(sdkDate) else {
            return .failure(Rejection(message: "x-sdk-date is missing or not yyyyMMddTHHmmssZ"))
        }
        guard abs(Double(signedAt) - now) <= allowedSkew else {
            return .failure(Rejection(message: "calc aksk signature fail:signature expired, signature time:\(sdkDate),server time:\(HuaweiSimulatorWire.sdkDate(now))"))
        }
        guard auth.signedHeaders.contains("host"), auth.signedHeaders.contains("x-sdk-date"),
              auth.signedHeaders == auth.signedHeaders.sorted() else {
            return .failure(Rejection(message: "verify aksk signature fail, SignedHeaders must list host and x-sdk-date, sorted"))
        }
        guard let expected = HuaweiSimulatorSignature.expected(request, signedHeaders: auth.signedHeaders, sdkDate: sdkDate,
                                                               secretKey: key.secretKey) else {
            return .failure(Rejection(message: "verify aksk signature fail, a signed header is missing"))
        }
        guard expected.signature == auth.signature else {
            return .failure(Rejection(message: "verify aksk signature fail, canonicalRequest:\(expected.canonicalRequest.replacing("\n", with: "|"))"))
        }
        if let token = key.securityToken {
            guard request.headers["X-Security-Token"] == token, auth.signedHeaders.contains("x-security-token") else {
                return .failure(Rejection(message: "decrypt token fail"))
            }
            if let expiresAt = key.expiresAt, now >= expiresAt {
                return .failure(Rejection(message: "token expires, expires_at: \(HuaweiSimulatorWire.expiresAt(expiresAt))"))
            }
        }
        return .success(())
    }

    private static func balance(_ request: HTTPRequest, key: Key, state s: State, requestID: String, now: Double,
                                site: HuaweiSimulatorAccount.Site) -> HTTPResponse {
        if let claimed = request.headers["X-Domain-Id"], claimed != key.domainId {
            return HuaweiSimulatorWire.gatewayError(401, "APIGW.0301", "Incorrect IAM authentication information: X-Domain-Id is not the account of the AK",
                                                    requestID: requestID, now: now)
        }
        guard key.canViewBalance else {
            return HuaweiSimulatorWire.serviceError(403, "CBC.0151", "Access denied.", requestID: requestID, now: now)
        }
        guard let account = s.accounts[key.domainId] else {
            return HuaweiSimulatorWire.serviceError(500, "CBC.0999", "Other errors.", requestID: requestID, now: now)
        }
        guard account.site == site else {
            return HuaweiSimulatorWire.serviceError(403, "CBC.0156", "Access denied. The customer does not belong to the website you are now at.",
                                                    requestID: requestID, now: now)
        }
        return HuaweiSimulatorWire.json(account.balanceBody(), requestID: requestID, now: now)
    }

    private static func domains(key: Key, state s: State, requestID: String, now: Double) -> HTTPResponse {
        guard key.canListDomains else {
            // IAM's Keystone-style error form.
            let body = #"{"error":{"code":403,"message":"You are not authorized to perform the requested action.","title":"Forbidden"}}"#
            return HuaweiSimulatorWire.json(body, status: 403, requestID: requestID, now: now)
        }
        let name = s.accounts[key.domainId]?.name ?? "simulated"
        let domain = JSONValue.objectText([
            ("id", JSONValue.string(key.domainId).text), ("name", JSONValue.string(name).text), ("enabled", "true"),
            ("description", #""""#), ("links", JSONValue.objectText([("self", JSONValue.string("/v3/domains/\(key.domainId)").text)])),
        ])
        let links = JSONValue.objectText([("self", JSONValue.string(domainsPath).text), ("previous", "null"), ("next", "null")])
        return HuaweiSimulatorWire.json(JSONValue.objectText([("domains", "[\(domain)]"), ("links", links)]), requestID: requestID, now: now)
    }

    private static func answer(_ fault: HuaweiSimulatorFault, requestID: String, now: Double) -> HTTPResponse {
        switch fault {
        case .error(let status, let code, let message):
            return code.hasPrefix("APIG")
                ? HuaweiSimulatorWire.gatewayError(status, code, message, requestID: requestID, now: now)
                : HuaweiSimulatorWire.serviceError(status, code, message, requestID: requestID, now: now)
        case .httpStatus(let status):
            return HuaweiSimulatorWire.html(status, "\(status) gateway error", now: now)
        case .garbage:
            return HuaweiSimulatorWire.html(200, "maintenance", now: now)
        case .truncatedJSON:
            let full = HuaweiSimulatorAccount(name: "truncated", entries: [.init(accountType: 1, amount: "100.00")]).balanceBody()
            return HuaweiSimulatorWire.json(String(full.prefix(full.count / 2)), requestID: requestID, now: now)
        case .throttled(let retryAfter):
            return HuaweiSimulatorWire.gatewayError(
                429, "APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
                requestID: requestID, now: now, extraHeaders: retryAfter.map { [("Retry-After", $0)] } ?? [])
        }
    }
}
