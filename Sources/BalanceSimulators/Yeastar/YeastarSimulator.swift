import BalanceHTTP
import BalanceSupport
import Synchronization

/// A simulated Yeastar Partner Portal OpenAPI (https://help.yeastar.com/en/pp-ptr/developer-guide/request-access-token.html) for tests and
/// the exporter's `--demo` mode: the token endpoint (`pp_credentials` grants,
/// rotating refresh tokens) and the balance endpoint, with JWT access tokens
/// carrying `exp` and an `X-MS-USER` claim.
///
/// A pure handler: every answer is a function of the request, the injected
/// clock and the state below (guarded by a `Mutex`), so it can be called
/// in process or served over a socket from any thread.
///
/// Undocumented behaviour, chosen here (the client must cope with either):
/// errors are answered with HTTP 200 and the error in the envelope (`code`,
/// `status`), except a refused access token, which is HTTP 401 by default
/// (`TokenRejection`).
package final class YeastarSimulator: HTTPHandler {
    package enum ExpiresInStyle: Sendable { case string, number, absent }

    /// How a refused access token is answered on the balance endpoint.
    package enum TokenRejection: Sendable {
        /// HTTP 401, body `{"code":"unauthorized",...,"status":401}`.
        case http401
        /// HTTP 200, body `{"code":"token_invalid",...,"status":200}`: only the code says so.
        case codeOnly
    }

    package enum Endpoint: Sendable { case token, balance }

    /// A scripted failure, answered instead of the normal response.
    package enum Fault: Sendable, Equatable {
        /// This HTTP status with an HTML page (no envelope), as a proxy would send.
        case httpStatus(Int)
        /// HTTP 200 with a body that is not JSON.
        case garbage
        /// An envelope with this non-success code.
        case code(String, detail: String = "", status: Int = 400, httpStatus: Int = 200)
        /// The answer to a refused access token (see `TokenRejection`).
        case unauthorized
        /// An envelope whose `detailMessage` quotes the request's body and
        /// Authorization header: an upstream that echoes credentials.
        case echoCredentials(code: String)
    }

    package struct Options: Sendable {
        /// Access token lifetime, seconds (Yeastar: 30 minutes).
        package var tokenLifetime: Double
        /// Refresh token lifetime, seconds (Yeastar: 15 days).
        package var refreshTokenLifetime: Double
        package var expiresIn: ExpiresInStyle
        /// nil: the token response has no `tokenHead`.
        package var tokenHead: String?
        package var tokenRejection: TokenRejection

        package init(tokenLifetime: Double = 1800, refreshTokenLifetime: Double = 15 * 86400,
                    expiresIn: ExpiresInStyle = .string, tokenHead: String? = "Bearer ",
                    tokenRejection: TokenRejection = .http401) {
            self.tokenLifetime = tokenLifetime
            self.refreshTokenLifetime = refreshTokenLifetime
            self.expiresIn = expiresIn
            self.tokenHead = tokenHead
            self.tokenRejection = tokenRejection
        }
    }

    /// Requests received, by kind, whatever their outcome.
    package struct Counters: Sendable, Equatable {
        package var grants = 0
        package var refreshes = 0
        package var balanceCalls = 0
        /// Refreshes answered with a refusal (unknown, used or expired refresh token).
        package var refusedRefreshes = 0
        /// Grants refused for bad client credentials.
        package var refusedGrants = 0
        /// Balance calls refused for their access token.
        package var rejectedBalanceCalls = 0
        package init() {}
    }

    /// The Partner Portal's paths (https://help.yeastar.com/en/partner-portal/): the simulator's own
    /// copy, so a wrong path in the client is caught here rather than mirrored.
    static let tokenPath = "/auth/openapi/v1/oauth/token"
    static let balancePath = "/user/openapi/user/v1/client/account_balance"

    struct Client {
        var secret: String
        var userID: Int64
        var balance: Double
        var drainPerCall: Double
    }
    struct Grant {
        var clientID: String
        var expiresAt: Double
    }
    struct State {
        var options: Options
        var clients: [String: Client] = [:]
        var accessTokens: [String: Grant] = [:]
        var refreshTokens: [String: Grant] = [:]
        var faults: [Endpoint: [Fault]] = [:]
        var counters = Counters()
        var serial = 0
    }

    private let clock: any WallClock
    private let state: Mutex<State>

    package init(clock: any WallClock, options: Options = Options()) {
        self.clock = clock
        self.state = Mutex(State(options: options))
    }

    // MARK: Test and demo controls

    package func addClient(id: String, secret: String, userID: Int64, balance: Double, drainPerCall: Double = 0) {
        state.withLock { $0.clients[id] = Client(secret: secret, userID: userID, balance: balance, drainPerCall: drainPerCall) }
    }

    package func setBalance(_ balance: Double, clientID: String) {
        state.withLock { $0.clients[clientID]?.balance = balance }
    }

    /// Subtracts `amount` from the client's balance (it may go negative).
    package func drain(_ amount: Double, clientID: String) {
        state.withLock { $0.clients[clientID]?.balance -= amount }
    }

    package func balance(clientID: String) -> Double? {
        state.withLock { $0.clients[clientID]?.balance }
    }

    package var options: Options {
        get { state.withLock { $0.options } }
        set { state.withLock { $0.options = newValue } }
    }

    package var counters: Counters { state.withLock { $0.counters } }

    /// The next `times` requests to `endpoint` get `fault` (after any already queued).
    package func inject(_ fault: Fault, on endpoint: Endpoint, times: Int = 1) {
        state.withLock { $0.faults[endpoint, default: []] += Array(repeating: fault, count: max(0, times)) }
    }

    /// Every access and refresh token is forgotten: clients must grant anew.
    package func forgetAllTokens() {
        state.withLock {
            $0.accessTokens.removeAll()
            $0.refreshTokens.removeAll()
        }
    }

    /// A server restart: every token and every pending scripted fault is
    /// forgotten. Clients, balances and counters stay.
    package func restart() {
        state.withLock {
            $0.accessTokens.removeAll()
            $0.refreshTokens.removeAll()
            $0.faults.removeAll()
        }
    }

    // MARK: HTTPHandler

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        return state.withLock { state in Self.respond(to: request, now: now, state: &state) }
    }

    static func respond(to request: HTTPRequest, now: Double, state: inout State) -> HTTPResponse {
        state.serial += 1
        let endpoint: Endpoint
        switch (request.path, request.method) {
        case (Self.tokenPath, "POST"): endpoint = .token
        case (Self.balancePath, "GET"): endpoint = .balance
        case (Self.tokenPath, _), (Self.balancePath, _):
            return envelope(state, code: "method_not_allowed", detail: "method \(request.method) not allowed", status: 405, http: 405)
        default:
            return envelope(state, code: "not_found", detail: "no such API", status: 404, http: 404)
        }
        guard let agent = request.headers["User-Agent"], !agent.isEmpty else {
            return envelope(state, code: "parameter_validation_failed", detail: "User-Agent header is required", status: 400)
        }
        switch endpoint {
        case .token: return token(request, now: now, state: &state)
        case .balance: return balance(request, now: now, state: &state)
        }
    }

    private static func token(_ request: HTTPRequest, now: Double, state: inout State) -> HTTPResponse {
        let contentType = request.headers["Content-Type"]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            return envelope(state, code: "parameter_validation_failed",
                            detail: "Content-Type must be application/x-www-form-urlencoded", status: 400)
        }
        let form = FormCoding.decode(request.body)
        switch form["grant_type"] {
        case "pp_credentials"?: state.counters.grants += 1
        case "refresh_token"?: state.counters.refreshes += 1
        default:
            return envelope(state, code: "parameter_validation_failed", detail: "grant_type is invalid", status: 400)
        }
        if let fault = nextFault(.token, &state) { return answer(fault, request, state) }

        let clientID: String
        if form["grant_type"] == "pp_credentials" {
            guard let id = form["client_id"], let client = state.clients[id], client.secret == form["client_secret"] else {
                state.counters.refusedGrants += 1
                return envelope(state, code: "invalid_client", detail: "client_id or client_secret is incorrect", status: 401)
            }
            clientID = id
        } else {
            // Rotation: a refresh token works once, then it is dead.
            guard let presented = form["refresh_token"], let grant = state.refreshTokens.removeValue(forKey: presented),
                  now < grant.expiresAt, state.clients[grant.clientID] != nil else {
                state.counters.refusedRefreshes += 1
                return envelope(state, code: "invalid_refresh_token", detail: "refresh token is invalid or expired", status: 401)
            }
            clientID = grant.clientID
        }
        return issue(for: clientID, now: now, state: &state)
    }

    private static func issue(for clientID: String, now: Double, state: inout State) -> HTTPResponse {
        state.accessTokens = state.accessTokens.filter { now < $0.value.expiresAt }
        state.refreshTokens = state.refreshTokens.filter { now < $0.value.expiresAt }
        let options = state.options
        let userID = state.clients[clientID]?.userID ?? 0
        let expiresAt = now + options.tokenLifetime
        let token = jwt(payload: accessPayload(clientID: clientID, userID: userID, now: now, expiresAt: expiresAt, serial: state.serial))
        let refresh = jwt(payload: .object(["typ": .string("refresh"), "exp": .number(.int(Int64(now + options.refreshTokenLifetime))),
                                            "jti": .string("r\(state.serial)")]))
        state.accessTokens[token] = Grant(clientID: clientID, expiresAt: expiresAt)
        state.refreshTokens[refresh] = Grant(clientID: clientID, expiresAt: now + options.refreshTokenLifetime)

        var fields: [String: JSONValue] = ["token": .string(token), "refreshToken": .string(refresh)]
        if let head = options.tokenHead { fields["tokenHead"] = .string(head) }
        let seconds = Int64(options.tokenLifetime.rounded())
        switch options.expiresIn {
        case .string: fields["expiresIn"] = .string(String(seconds))
        case .number: fields["expiresIn"] = .number(.int(seconds))
        case .absent: break
        }
        return envelope(state, code: "success", detail: "", status: 200, result: .object(fields))
    }

    private static func balance(_ request: HTTPRequest, now: Double, state: inout State) -> HTTPResponse {
        state.counters.balanceCalls += 1
        if let fault = nextFault(.balance, &state) {
            if fault == .unauthorized { state.counters.rejectedBalanceCalls += 1 }
            return answer(fault, request, state)
        }
        let authorization = request.headers["Authorization"] ?? ""
        let prefix = "Bearer "
        guard authorization.count > prefix.count, authorization.lowercased().hasPrefix(prefix.lowercased()),
              let grant = state.accessTokens[String(authorization.dropFirst(prefix.count))],
              now < grant.expiresAt, var client = state.clients[grant.clientID] else {
            state.counters.rejectedBalanceCalls += 1
            return answer(.unauthorized, request, state)
        }
        let amount = client.balance
        client.balance -= client.drainPerCall
        state.clients[grant.clientID] = client
        return envelope(state, code: "success", detail: "", status: 200, result: .object(["accountBalance": JSONNumber(amount).map(JSONValue.number) ?? .null]))
    }

    private static func nextFault(_ endpoint: Endpoint, _ state: inout State) -> Fault? {
        guard var queue = state.faults[endpoint], !queue.isEmpty else { return nil }
        let fault = queue.removeFirst()
        state.faults[endpoint] = queue
        return fault
    }

    private static func answer(_ fault: Fault, _ request: HTTPRequest, _ state: State) -> HTTPResponse {
        switch fault {
        case .httpStatus(let status):
            return HTTPResponse(status: status, headers: [("Content-Type", "text/html")],
                                body: Array("<html><head><title>\(status)</title></head><body><h1>\(status)</h1></body></html>".utf8))
        case .garbage:
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/html")],
                                body: Array("<html><body>Service under maintenance</body></html>".utf8))
        case .code(let code, let detail, let status, let http):
            return envelope(state, code: code, detail: detail, status: status, http: http)
        case .unauthorized:
            switch state.options.tokenRejection {
            case .http401:
                return envelope(state, code: "unauthorized", detail: "full authentication is required", status: 401, http: 401)
            case .codeOnly:
                return envelope(state, code: "token_invalid", detail: "access token is invalid or expired", status: 200)
            }
        case .echoCredentials(let code):
            let body = String(decoding: request.body, as: UTF8.self)
            let detail = "rejected request body=\(body) authorization=\(request.headers["Authorization"] ?? "")"
            return envelope(state, code: code, detail: detail, status: 400)
        }
    }
}
