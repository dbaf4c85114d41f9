import BalanceHTTP
import BalanceSupport
import Synchronization

/// A simulated Volcengine OpenAPI gateway (`open.volcengineapi.com`) as a pure
/// `HTTPHandler`, for tests and the demo: billing `QueryBalanceAcct`
/// (2022-01-01) and STS `AssumeRole` (2018-01-01), told apart as the real
/// gateway does, by `Action` and `Version` in the query and the service in the
/// credential scope. Serve it once for both, or on two ports.
///
/// Like the real API it re-checks every signature on its own code path
/// (`VolcengineSimulatorSignature`), the `X-Date` against its injected clock
/// (±900 s), temporary keys' `X-Security-Token` and expiry, each key's
/// permissions and an optional per-account rate limit, and answers with the
/// platform's error envelopes and HTTP statuses. Accounts carry their
/// `Result` fields as raw texts; faults are scripted per action; every
/// request is recorded. It does not care how a request reached it: HTTP/1.0
/// from a proxy, with `Via`, is as good as HTTP/1.1. Thread-safe.
package final class VolcengineSimulator: HTTPHandler {
    package enum Action: String, CaseIterable, Sendable {
        case queryBalance = "QueryBalanceAcct"
        case assumeRole = "AssumeRole"

        var version: String { self == .queryBalance ? "2022-01-01" : "2018-01-01" }
        var service: String { self == .queryBalance ? "billing" : "sts" }
    }

    /// One `Result` member as sent.
    package enum Value: Sendable, Equatable, ExpressibleByStringLiteral {
        /// A JSON string of this text, as Volcengine sends amounts: `"77.01"`, `"1,234.56"`, `"-3.50"`.
        case string(String)
        /// This JSON text verbatim: a number (`2100000000`), `null`, `true`, anything.
        case json(String)

        package static let null = Value.json("null")
        package static func number(_ value: UInt64) -> Value { .json(String(value)) }
        package init(stringLiteral text: String) { self = .string(text) }

        var jsonText: String {
            switch self {
            case .string(let text): return JSONValue.string(text).text
            case .json(let raw): return raw
            }
        }
    }

    /// One simulated account as `QueryBalanceAcct` reports it: a nil member is left out of `Result`.
    package struct Account: Sendable, Equatable {
        package var accountID: Value?
        package var availableBalance: Value?
        package var cashBalance: Value?
        package var creditLimit: Value?
        package var arrearsBalance: Value?
        package var freezeAmount: Value?
        /// Not in the action's documentation; the newer SDKs model it.
        package var currency: Value?

        package init(accountID: Value? = nil, availableBalance: Value? = nil, cashBalance: Value? = nil, creditLimit: Value? = nil,
                     arrearsBalance: Value? = nil, freezeAmount: Value? = nil, currency: Value? = nil) {
            self.accountID = accountID
            self.availableBalance = availableBalance
            self.cashBalance = cashBalance
            self.creditLimit = creditLimit
            self.arrearsBalance = arrearsBalance
            self.freezeAmount = freezeAmount
            self.currency = currency
        }

        /// `Result` in the documented order.
        var resultJSON: String {
            let members: [(String, Value?)] = [("AccountID", accountID), ("ArrearsBalance", arrearsBalance),
                                               ("AvailableBalance", availableBalance), ("CashBalance", cashBalance),
                                               ("CreditLimit", creditLimit), ("FreezeAmount", freezeAmount), ("Currency", currency)]
            return JSONValue.objectText(members.compactMap { name, value in value.map { (name, $0.jsonText) } })
        }
    }

    /// A scripted answer for the next request(s) of an action, in order, before any check.
    package enum Fault: Sendable, Equatable {
        /// The error envelope with this code, at this HTTP status.
        case error(code: String, status: Int, message: String)
        /// `FlowLimitExceeded`, HTTP 429, with this `Retry-After`.
        case throttled(retryAfter: String)
        /// This HTTP status with a gateway's HTML page (a 429 included).
        case httpStatus(Int)
        /// HTTP 200 with a body that is not JSON.
        case garbage
        /// HTTP 200 with the real answer cut in half.
        case truncatedJSON
    }

    private struct Key {
        var signing: VolcengineSimulatorSignature.Key
        var account: String
        var permissions: Set<Action>
    }

    private struct State {
        var accounts: [String: Account] = [:]
        var keys: [String: Key] = [:]
        var roles: [String: String] = [:]
        var faults: [Action: [Fault]] = [:]
        var requests = RequestLog()
        var issued = 0
        var requestsPerSecond: Int?
        var window: [String: (second: Int, count: Int)] = [:]
    }

    private let clock: any WallClock
    private let state = Mutex(State())

    package init(clock: any WallClock) {
        self.clock = clock
    }

    // MARK: Scripting

    package func setAccount(_ name: String, _ account: Account) {
        state.withLock { $0.accounts[name] = account }
    }

    package func updateAccount(_ name: String, _ change: (inout Account) -> Void) {
        state.withLock { s in
            var account = s.accounts[name] ?? Account()
            change(&account)
            s.accounts[name] = account
        }
    }

    /// A permanent key pair of `account`'s user, allowed `permissions` (else `AccessDenied`).
    package func addKey(accessKeyId: String, secretAccessKey: String, account: String,
                        permissions: Set<Action> = Set(Action.allCases)) {
        state.withLock {
            $0.keys[accessKeyId] = Key(signing: .init(secret: secretAccessKey), account: account, permissions: permissions)
        }
    }

    /// Temporary keys: accepted only with `sessionToken` as a signed `X-Security-Token`, and before `expiresAt`.
    package func addTemporaryKey(accessKeyId: String, secretAccessKey: String, sessionToken: String, expiresAt: Double,
                                 account: String, permissions: Set<Action> = Set(Action.allCases)) {
        state.withLock {
            $0.keys[accessKeyId] = Key(signing: .init(secret: secretAccessKey, token: sessionToken, expiresAt: expiresAt),
                                       account: account, permissions: permissions)
        }
    }

    /// Revokes a temporary key's token: its next use fails with `InvalidSecretToken`.
    package func revokeToken(accessKeyId: String) {
        state.withLock { s in
            if s.keys[accessKeyId]?.signing.token != nil { s.keys[accessKeyId]?.signing.token = "revoked" }
        }
    }

    package func removeKey(accessKeyId: String) {
        state.withLock { _ = $0.keys.removeValue(forKey: accessKeyId) }
    }

    /// A role (`trn:iam::<id>:role/<name>`) whose temporary keys read `account`.
    package func addRole(trn: String, account: String) {
        state.withLock { $0.roles[trn] = account }
    }

    /// At most this many accepted calls per account in one second of the clock; more get `FlowLimitExceeded`. Nil: no limit.
    package func setRateLimit(requestsPerSecond: Int?) {
        state.withLock { $0.requestsPerSecond = requestsPerSecond }
    }

    package func enqueueFaults(_ faults: [Fault], for action: Action = .queryBalance) {
        state.withLock { $0.faults[action, default: []] += faults }
    }

    /// Every request received, in order.
    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }
    package var requestCount: Int { state.withLock { $0.requests.total } }
    /// How many temporary key sets AssumeRole issued.
    package var issuedCount: Int { state.withLock { $0.issued } }

    // MARK: HTTPHandler

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        return state.withLock { s in
            s.requests.record(request)
            return Self.answer(request, state: &s, now: now, requestID: "sim-volcengine-\(s.requests.total)")
        }
    }

    private static func answer(_ request: HTTPRequest, state s: inout State, now: Double, requestID: String) -> HTTPResponse {
        guard request.path == "/" else { return VolcengineSimulatorWire.html(404) }
        let parameters = VolcengineSimulatorSignature.parameters(request.query)
        var reply = VolcengineSimulatorWire.Reply(requestID: requestID, action: parameters["Action"] ?? "", version: parameters["Version"] ?? "")
        guard !reply.action.isEmpty, !reply.version.isEmpty else { return reply.error("MissingParameter") }
        guard let action = Action(rawValue: reply.action), action.version == reply.version else { return reply.error("InvalidActionOrVersion") }
        reply.service = action.service
        if let fault = s.faults[action]?.first {
            s.faults[action]?.removeFirst()
            switch fault {
            case .error(let code, let status, let message): return reply.error(code, message: message, status: status)
            case .throttled(let retryAfter): return reply.error("FlowLimitExceeded", headers: [("Retry-After", retryAfter)])
            case .httpStatus(let status): return VolcengineSimulatorWire.html(status)
            case .garbage: return HTTPResponse(status: 200, headers: [("Content-Type", "text/html")], body: Array("<html>maintenance</html>".utf8))
            case .truncatedJSON:
                let full = reply.success(Account(accountID: .number(1), availableBalance: "1.00").resultJSON).body
                return VolcengineSimulatorWire.json(String(decoding: full.prefix(full.count / 2), as: UTF8.self))
            }
        }
        let keys = s.keys
        let signer: VolcengineSimulatorSignature.Signer
        switch VolcengineSimulatorSignature.verify(request, service: action.service, now: now, lookup: { keys[$0]?.signing }) {
        case .success(let verified): signer = verified
        case .failure(let rejection): return reply.error(rejection.code)
        }
        reply.region = signer.region
        guard let key = s.keys[signer.accessKeyId], key.permissions.contains(action) else {
            return reply.error("AccessDenied", message: "User is not authorized to perform: \(action.service):\(action.rawValue) "
                + "on resource: trn:\(action.service)::\(signer.accessKeyId):*")
        }
        if let limit = s.requestsPerSecond {
            let second = Int(now.rounded(.down))
            var window = s.window[key.account].flatMap { $0.second == second ? $0 : nil } ?? (second: second, count: 0)
            guard window.count < limit else { return reply.error("FlowLimitExceeded") }
            window.count += 1
            s.window[key.account] = window
        }
        switch action {
        case .queryBalance:
            guard let account = s.accounts[key.account] else { return reply.error("RecordNoFound") }
            return reply.success(account.resultJSON)
        case .assumeRole:
            return assumeRole(parameters, reply: reply, state: &s, now: now)
        }
    }

    /// Issues temporary keys for the role's account, registered as keys of this simulator.
    private static func assumeRole(_ parameters: [String: String], reply: VolcengineSimulatorWire.Reply, state s: inout State,
                                   now: Double) -> HTTPResponse {
        guard let trn = parameters["RoleTrn"], !trn.isEmpty, let session = parameters["RoleSessionName"], !session.isEmpty else {
            return reply.error("MissingParameter", message: "RoleTrn and RoleSessionName are required.")
        }
        guard let account = s.roles[trn] else {
            return reply.error("AccessDenied", message: "User is not authorized to perform: sts:AssumeRole on resource: \(trn)")
        }
        // "If not given or below 900, 3600 applies; above 43200, 43200" (https://www.volcengine.com/docs/6257/86374).
        var duration = 3600
        if let text = parameters["DurationSeconds"] {
            guard let requested = Int(text) else { return reply.error("InvalidParameter") }
            duration = requested < 900 ? 3600 : min(requested, 43200)
        }
        s.issued += 1
        let n = s.issued
        let issuedAt = Int(now.rounded(.down)), expiresAt = issuedAt + duration
        let id = "AKTPsim\(n)", secret = "sim-sts-secret-\(n)", token = "STSsim-token-\(n)"
        s.keys[id] = Key(signing: .init(secret: secret, token: token, expiresAt: Double(expiresAt)), account: account,
                         permissions: [.queryBalance])
        return reply.success(JSONValue.object([
            "Credentials": .object([
                "CurrentTime": .string(VolcengineSimulatorWire.rfc3339Beijing(issuedAt)),
                "ExpiredTime": .string(VolcengineSimulatorWire.rfc3339Beijing(expiresAt)),
                "AccessKeyId": .string(id), "SecretAccessKey": .string(secret), "SessionToken": .string(token),
            ]),
            "AssumedRoleUser": .object(["Trn": .string("\(trn)/\(session)"), "AssumedRoleId": .string("sim-\(n):\(session)")]),
        ]).text)
    }
}
