import BalanceCrypto
import BalanceHTTP
import BalanceSupport
import Synchronization

/// A simulated Alibaba Cloud POP gateway as a pure `HTTPHandler`: BssOpenApi
/// `QueryAccountBalance` (2017-12-14) and STS `GetCallerIdentity` and
/// `AssumeRole` (2015-04-01), chosen by `x-acs-action`, so one simulator can
/// stand in for both hosts. For tests and the exporter's demo mode.
///
/// Like the real gateway it checks every ACS3-HMAC-SHA256 signature on its
/// own code path (`AlibabaSimulatorSignature`), `x-acs-date` within 15
/// minutes of its injected clock, each `x-acs-signature-nonce` once, the
/// security token of temporary keys, and `QueryAccountBalance`'s 10 requests/s
/// per main account, and answers with the gateway's error envelope and
/// statuses. It accepts requests forwarded by an HTTP/1.0 proxy (`Via`,
/// its own `Host`: only signed headers count). Accounts, keys, roles and
/// faults are set by the caller; every request is recorded. Thread-safe.
package final class AlibabaSimulator: HTTPHandler {
    struct Key {
        var secret: String
        var account: String
        var principal: AlibabaSimulatorPrincipal
        var canReadBalance: Bool
        var active = true
        /// Temporary keys must present it as `x-acs-security-token`.
        var token: String?
        var expiresAt: Double?
    }

    struct Role {
        var account: String
        var canReadBalance: Bool
        var maxSessionSeconds: Int
    }

    private struct State {
        var accounts: [String: AlibabaSimulatorAccount] = [:]
        var keys: [String: Key] = [:]
        var roles: [String: Role] = [:]
        var faults: [String: [AlibabaSimulatorFault]] = [:]
        var requests = RequestLog()
        /// Nonce → the time it was used; forgotten once its date could no longer be accepted.
        var nonces: [String: Double] = [:]
        /// Main account → times of its accepted balance requests in the last second.
        var balanceCalls: [String: [Double]] = [:]
        var issued = 0
    }

    package static let balanceAction = "QueryAccountBalance"
    static let versions = ["QueryAccountBalance": "2017-12-14", "GetCallerIdentity": "2015-04-01", "AssumeRole": "2015-04-01"]
    /// The gateway accepts `x-acs-date` this many seconds either side of its clock.
    static let window = 900.0

    private let clock: any WallClock
    private let site: AlibabaSimulatorSite
    private let requestsPerSecond: Int
    private let state = Mutex(State())

    /// `site` is the site whose endpoint this simulates; `requestsPerSecond`
    /// the balance limit per main account (documented: 10).
    package init(clock: any WallClock, site: AlibabaSimulatorSite = .china, requestsPerSecond: Int = 10) {
        self.clock = clock
        self.site = site
        self.requestsPerSecond = requestsPerSecond
    }

    // MARK: Scripting

    /// The account whose main-account UID (`AccountId`) is `uid`.
    package func setAccount(_ uid: String, _ account: AlibabaSimulatorAccount) {
        state.withLock { $0.accounts[uid] = account }
    }

    package func updateAccount(_ uid: String, _ change: (inout AlibabaSimulatorAccount) -> Void) {
        state.withLock { s in
            var account = s.accounts[uid] ?? AlibabaSimulatorAccount()
            change(&account)
            s.accounts[uid] = account
        }
    }

    /// A permanent AccessKey of `account`'s `principal`.
    package func addKey(id: String, secret: String, account: String, principal: AlibabaSimulatorPrincipal = .ramUser("balance-reader"),
                        canReadBalance: Bool = true) {
        state.withLock {
            $0.keys[id] = Key(secret: secret, account: account, principal: principal, canReadBalance: canReadBalance)
        }
    }

    /// Temporary credentials: accepted only with `token` and before `expiresAt`.
    package func addTemporaryKey(id: String, secret: String, token: String, expiresAt: Double, account: String,
                                 principal: AlibabaSimulatorPrincipal = .assumedRole(role: "reader", session: "test"),
                                 canReadBalance: Bool = true) {
        state.withLock {
            $0.keys[id] = Key(secret: secret, account: account, principal: principal, canReadBalance: canReadBalance,
                              token: token, expiresAt: expiresAt)
        }
    }

    /// A disabled key is answered `InvalidAccessKeyId.Inactive`.
    package func setKeyActive(_ id: String, _ active: Bool) {
        state.withLock { $0.keys[id]?.active = active }
    }

    /// Without the permission, balance requests are answered `NoPermission`.
    package func setBalancePermission(keyID: String, _ allowed: Bool) {
        state.withLock { $0.keys[keyID]?.canReadBalance = allowed }
    }

    package func removeKey(id: String) {
        state.withLock { _ = $0.keys.removeValue(forKey: id) }
    }

    /// A role any known key may assume; its sessions read `account`.
    package func addRole(arn: String, account: String, canReadBalance: Bool = true, maxSessionSeconds: Int = 3600) {
        state.withLock { $0.roles[arn] = Role(account: account, canReadBalance: canReadBalance, maxSessionSeconds: maxSessionSeconds) }
    }

    /// Faults answered, in order, to the next requests of `action`, before any check.
    package func enqueueFaults(_ faults: [AlibabaSimulatorFault], action: String = AlibabaSimulator.balanceAction) {
        state.withLock { $0.faults[action, default: []] += faults }
    }

    /// Every request received, in order.
    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }
    package var requestCount: Int { state.withLock { $0.requests.total } }
    /// How many temporary credentials `AssumeRole` issued.
    package var issuedCount: Int { state.withLock { $0.issued } }

    // MARK: HTTPHandler

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        return state.withLock { s in
            s.requests.record(request)
            let requestID = Self.requestID(s.requests.total)
            let action = request.headers["x-acs-action"] ?? ""
            if var queued = s.faults[action], !queued.isEmpty {
                let fault = queued.removeFirst()
                s.faults[action] = queued
                return answer(fault, requestID: requestID)
            }
            switch verify(request, state: &s, now: now) {
            case .failure(let rejection):
                return reject(rejection, requestID)
            case .success(let keyID):
                return dispatch(request, action: action, keyID: keyID, state: &s, now: now, requestID: requestID)
            }
        }
    }

    /// A UUID-shaped request ID, as the gateway sends.
    private static func requestID(_ n: Int) -> String {
        let digits = String(n)
        return "51A0C0DE-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    private func reject(_ rejection: AlibabaSimulatorSignature.Rejection, _ requestID: String,
                        extra: [(key: String, json: String)] = [], headers: HTTPHeaders = []) -> HTTPResponse {
        AlibabaSimulatorSignature.errorResponse(rejection, requestID: requestID, hostID: site.hostID, extra: extra, headers: headers)
    }

    /// The key that signed the request, or why the gateway refuses it.
    private func verify(_ request: HTTPRequest, state s: inout State, now: Double) -> Result<String, AlibabaSimulatorSignature.Rejection> {
        typealias Rejection = AlibabaSimulatorSignature.Rejection
        let authorization: AlibabaSimulatorSignature.Authorization
        switch AlibabaSimulatorSignature.parseAuthorization(request.headers["Authorization"]) {
        case .success(let parsed): authorization = parsed
        case .failure(let rejection): return .failure(rejection)
        }
        guard let dateText = request.headers["x-acs-date"], let date = AlibabaSimulatorSignature.date(dateText) else {
            return .failure(Rejection(status: 400, code: "InvalidTimeStamp.Format", message: "Specified time stamp or date value is not well formatted."))
        }
        guard abs(date - now) <= Self.window else {
            return .failure(Rejection(status: 400, code: "InvalidTimeStamp.Expired",
                                      message: "Specified time stamp or date value is expired."))
        }
        guard let key = s.keys[authorization.keyID] else {
            return .failure(Rejection(status: 404, code: "InvalidAccessKeyId.NotFound", message: "Specified access key is not found."))
        }
        guard key.active else {
            return .failure(Rejection(status: 400, code: "InvalidAccessKeyId.Inactive", message: "Specified access key is disabled."))
        }
        if let rejection = AlibabaSimulatorSignature.checkCoverage(request, authorization) { return .failure(rejection) }
        let expected = AlibabaSimulatorSignature.expected(request, signedHeaders: authorization.signedHeaders, secret: key.secret)
        guard request.headers["x-acs-content-sha256"]?.lowercased() == Hex.encode(SHA256.hash(request.body)),
              authorization.signature == expected.signature else {
            return .failure(Rejection(status: 400, code: "SignatureDoesNotMatch",
                                      message: "Specified signature is not matched with our calculation. server string to sign is:"
                                        + expected.stringToSign))
        }
        s.nonces = s.nonces.filter { now - $0.value <= 2 * Self.window }
        let nonce = request.headers["x-acs-signature-nonce"] ?? ""
        guard s.nonces[nonce] == nil else {
            return .failure(Rejection(status: 400, code: "SignatureNonceUsed", message: "Specified signature nonce was used already."))
        }
        s.nonces[nonce] = now
        if let token = key.token {
            guard let sent = request.headers["x-acs-security-token"] else {
                return .failure(Rejection(status: 400, code: "InvalidSecurityToken.Malformed", message: "Specified SecurityToken is malformed."))
            }
            guard sent == token, request.headers["x-acs-accesskey-id"].map({ $0 == authorization.keyID }) ?? true else {
                return .failure(Rejection(status: 400, code: "InvalidSecurityToken.MismatchWithAccessKey",
                                          message: "Specified SecurityToken mismatch with the AccessKey."))
            }
            if let expiresAt = key.expiresAt, now >= expiresAt {
                return .failure(Rejection(status: 400, code: "InvalidSecurityToken.Expired", message: "Specified SecurityToken is expired."))
            }
        }
        return .success(authorization.keyID)
    }

    private func dispatch(_ request: HTTPRequest, action: String, keyID: String, state s: inout State, now: Double,
                          requestID: String) -> HTTPResponse {
        typealias Rejection = AlibabaSimulatorSignature.Rejection
        guard let version = Self.versions[action] else {
            return reject(Rejection(status: 404, code: "InvalidApi.NotFound", message: "Specified api is not found, please check your url and method."),
                          requestID)
        }
        guard request.headers["x-acs-version"] == version else {
            return reject(Rejection(status: 400, code: "InvalidVersion", message: "Specified parameter Version is not valid."), requestID)
        }
        guard let key = s.keys[keyID] else { return reject(Rejection(status: 500, code: "UndefinedError", message: "no key"), requestID) }
        switch action {
        case "GetCallerIdentity":
            return AlibabaSimulatorSignature.json(identityJSON(key, requestID: requestID), requestID: requestID)
        case "AssumeRole":
            return assumeRole(request, state: &s, now: now, requestID: requestID)
        default:
            return balance(key, state: &s, now: now, requestID: requestID)
        }
    }

    private func balance(_ key: Key, state s: inout State, now: Double, requestID: String) -> HTTPResponse {
        typealias Rejection = AlibabaSimulatorSignature.Rejection
        let recent = (s.balanceCalls[key.account] ?? []).filter { now - $0 < 1 }
        guard recent.count < requestsPerSecond else {
            s.balanceCalls[key.account] = recent
            return reject(Rejection(status: 400, code: "Throttling.User", message: "Request was denied due to user flow control."), requestID)
        }
        s.balanceCalls[key.account] = recent + [now]
        guard let account = s.accounts[key.account] else {
            return reject(Rejection(status: 500, code: "UndefinedError", message: "The request processing has failed due to some unknown error."),
                          requestID)
        }
        guard account.site == site else {
            return reject(Rejection(status: 400, code: "NotApplicable", message: "This API is not applicable for caller."), requestID)
        }
        guard key.canReadBalance else {
            let detail = JSONValue.objectText([
                ("AuthAction", JSONValue.string("bss:DescribeAcccount").text),
                ("AuthPrincipalOwnerId", JSONValue.string(key.account).text),
                ("NoPermissionType", JSONValue.string("ImplicitDeny").text),
            ])
            return reject(Rejection(status: 400, code: "NoPermission", message: "You are not authorized to perform this action."), requestID,
                          extra: [("AccessDeniedDetail", detail)])
        }
        return AlibabaSimulatorSignature.json(Self.balanceJSON(account, requestID: requestID), requestID: requestID)
    }

    static func balanceJSON(_ account: AlibabaSimulatorAccount, requestID: String) -> String {
        JSONValue.objectText([
            ("Code", JSONValue.string("200").text), ("Message", JSONValue.string("Successful!").text),
            ("RequestId", JSONValue.string(requestID).text), ("Success", "true"), ("Data", account.dataJSON),
        ])
    }

    private func identityJSON(_ key: Key, requestID: String) -> String {
        let uid = key.account
        var members: [String: JSONValue] = ["AccountId": .string(uid), "RequestId": .string(requestID)]
        switch key.principal {
        case .account:
            members["IdentityType"] = .string("Account")
            members["PrincipalId"] = .string(uid)
            members["UserId"] = .string(uid)
            members["Arn"] = .string("acs:ram::\(uid):root")
        case .ramUser(let name):
            let userID = "2" + uid.dropFirst()
            members["IdentityType"] = .string("RAMUser")
            members["PrincipalId"] = .string(userID)
            members["UserId"] = .string(userID)
            members["Arn"] = .string("acs:ram::\(uid):user/\(name)")
        case .assumedRole(let role, let session):
            let roleID = "3" + uid.dropFirst()
            members["IdentityType"] = .string("AssumedRoleUser")
            members["PrincipalId"] = .string("\(roleID):\(session)")
            members["RoleId"] = .string(roleID)
            members["Arn"] = .string("acs:ram::\(uid):assumed-role/\(role)/\(session)")
        }
        return JSONValue.object(members).text
    }

    private func assumeRole(_ request: HTTPRequest, state s: inout State, now: Double, requestID: String) -> HTTPResponse {
        typealias Rejection = AlibabaSimulatorSignature.Rejection
        let parameters = AlibabaSimulatorSignature.parameters(request.query)
        guard let arn = parameters["RoleArn"], !arn.isEmpty else {
            return reject(Rejection(status: 400, code: "MissingRoleArn", message: "RoleArn is mandatory for this action."), requestID)
        }
        guard let session = parameters["RoleSessionName"], !session.isEmpty else {
            return reject(Rejection(status: 400, code: "MissingRoleSessionName", message: "RoleSessionName is mandatory for this action."),
                          requestID)
        }
        guard let role = s.roles[arn] else {
            return reject(Rejection(status: 404, code: "EntityNotExist.Role", message: "The specified Role not exists ."), requestID)
        }
        let duration = parameters["DurationSeconds"].map { Int($0) } ?? 3600
        guard let duration, duration >= 900, duration <= role.maxSessionSeconds else {
            return reject(Rejection(status: 400, code: "InvalidParameter.DurationSeconds",
                                    message: "The DurationSeconds is invalid, must be in [900, \(role.maxSessionSeconds)]."), requestID)
        }
        s.issued += 1
        let n = s.issued
        let roleName = arn.split(separator: "/").last.map(String.init) ?? arn
        let expiresAt = (now + Double(duration)).rounded(.down)
        let issued = Key(secret: "sts-secret-\(n)", account: role.account, principal: .assumedRole(role: roleName, session: session),
                         canReadBalance: role.canReadBalance, token: "CAIS+sim/token\(n)==", expiresAt: expiresAt)
        let id = "STS.sim\(n)"
        s.keys[id] = issued
        let expiration = AlibabaSimulatorSignature.dateText(expiresAt)
        return AlibabaSimulatorSignature.json(JSONValue.object([
            "RequestId": .string(requestID),
            "AssumedRoleUser": .object(["AssumedRoleId": .string("3\(role.account.dropFirst()):\(session)"),
                                        "Arn": .string("\(arn)/\(session)")]),
            "Credentials": .object(["AccessKeyId": .string(id), "AccessKeySecret": .string(issued.secret),
                                    "SecurityToken": .string(issued.token ?? ""), "Expiration": .string(expiration)]),
        ]).text, requestID: requestID)
    }

    private func answer(_ fault: AlibabaSimulatorFault, requestID: String) -> HTTPResponse {
        typealias Rejection = AlibabaSimulatorSignature.Rejection
        let html: HTTPHeaders = [("Content-Type", "text/html")]
        switch fault {
        case .error(let code, let message, let status):
            return reject(Rejection(status: status, code: code, message: message), requestID)
        case .throttled(let milliseconds):
            return reject(Rejection(status: 400, code: "Throttling.User", message: "Request was denied due to user flow control."), requestID,
                          headers: milliseconds.map { [("x-acs-retry-after", String($0))] } ?? [])
        case .tooManyRequests(let retryAfter):
            return HTTPResponse(status: 429, headers: html + [("Retry-After", retryAfter)],
                                body: Array("<html><body><h1>429 Too Many Requests</h1></body></html>".utf8))
        case .httpStatus(let status):
            return HTTPResponse(status: status, headers: html, body: Array("<html><body><h1>\(status)</h1>Tengine</body></html>".utf8))
        case .garbage:
            return HTTPResponse(status: 200, headers: html, body: Array("<html>maintenance</html>".utf8))
        case .truncatedJSON:
            let full = Self.balanceJSON(AlibabaSimulatorAccount(availableAmount: "10000.00", currency: "CNY"), requestID: requestID)
            return AlibabaSimulatorSignature.json(String(full.prefix(full.count / 2)), requestID: requestID)
        case .body(let status, let json):
            return AlibabaSimulatorSignature.json(json, status: status, requestID: requestID)
        }
    }
}
