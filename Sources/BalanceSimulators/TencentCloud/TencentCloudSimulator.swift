import BalanceHTTP
import BalanceSupport
import Synchronization

/// A scripted fault for the next billing request(s), in order.
package enum SimulatedTencentFault: Sendable, Equatable {
    /// Tencent's error envelope with this code, HTTP 200.
    case error(code: String, message: String)
    /// This HTTP status with a non-Tencent (HTML) body, as a gateway sends.
    case httpStatus(Int)
    /// HTTP 200 with an HTML body.
    case nonJSON
    /// HTTP 200 with the real answer cut in half.
    case truncatedJSON
}

/// A simulated Tencent Cloud billing API (`DescribeAccountBalance`, version
/// 2018-07-09) as a pure `HTTPHandler`: for tests and the exporter's demo mode.
///
/// Like the real API it verifies every TC3 signature (its own code path),
/// the timestamp against its injected clock (±300 s), the action, version and
/// temporary-credential token, and answers errors with HTTP 200 and
/// `{"Response":{"Error":...}}`. Account state and faults are set by the
/// caller; every request is recorded. Thread-safe.
package final class TencentCloudSimulator: HTTPHandler {
    struct Credential {
        var secret: SimulatedTencentSignature.Secret
        var account: String
    }

    private struct State {
        var accounts: [String: SimulatedTencentAccount] = [:]
        var credentials: [String: Credential] = [:]
        var faults: [SimulatedTencentFault] = []
        var requests = RequestLog()
        var nextRequestID = 1
    }

    package static let service = "billing"
    private let clock: any WallClock
    private let state = Mutex(State())

    package init(clock: any WallClock) {
        self.clock = clock
    }

    // MARK: Scripting

    package func setAccount(_ name: String, _ account: SimulatedTencentAccount) {
        state.withLock { $0.accounts[name] = account }
    }

    package func updateAccount(_ name: String, _ change: (inout SimulatedTencentAccount) -> Void) {
        state.withLock { s in
            var account = s.accounts[name] ?? SimulatedTencentAccount()
            change(&account)
            s.accounts[name] = account
        }
    }

    /// Permanent keys that read `account`.
    package func addCredential(secretId: String, secretKey: String, account: String) {
        state.withLock { $0.credentials[secretId] = Credential(secret: .init(secretKey: secretKey), account: account) }
    }

    /// Temporary keys (STS, CVM role): accepted only with `token` and before `expiresAt`.
    package func addTemporaryCredential(secretId: String, secretKey: String, token: String, expiresAt: Double, account: String) {
        state.withLock {
            $0.credentials[secretId] = Credential(secret: .init(secretKey: secretKey, token: token, expiresAt: expiresAt), account: account)
        }
    }

    /// Revokes a temporary credential's token: its next use fails with `AuthFailure.TokenFailure`.
    package func revokeToken(secretId: String) {
        state.withLock { s in
            if s.credentials[secretId]?.secret.token != nil { s.credentials[secretId]?.secret.token = "revoked" }
        }
    }

    package func removeCredential(secretId: String) {
        state.withLock { _ = $0.credentials.removeValue(forKey: secretId) }
    }

    package func enqueueFaults(_ faults: [SimulatedTencentFault]) {
        state.withLock { $0.faults += faults }
    }

    /// Every request received, in order.
    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }
    package var requestCount: Int { state.withLock { $0.requests.total } }

    // MARK: HTTPHandler

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        return state.withLock { s in
            s.requests.record(request)
            let requestID = "sim-billing-\(s.nextRequestID)"
            s.nextRequestID += 1
            if !s.faults.isEmpty {
                let fault = s.faults.removeFirst()
                switch fault {
                case .error(let code, let message):
                    return SimulatedTencentSignature.errorResponse(code: code, message: message, requestID: requestID)
                case .httpStatus(let status):
                    return HTTPResponse(status: status, headers: [("Content-Type", "text/html")],
                                        body: Array("<html><body>\(status) gateway error</body></html>".utf8))
                case .nonJSON:
                    return HTTPResponse(status: 200, headers: [("Content-Type", "text/html")], body: Array("<html>maintenance</html>".utf8))
                case .truncatedJSON:
                    let full = Self.balanceBody(SimulatedTencentAccount(uin: .number(1), balance: 100, realBalance: 100),
                                                tempCredit: false, requestID: requestID)
                    return SimulatedTencentSignature.json(String(full.prefix(full.count / 2)))
                }
            }
            return Self.answer(request, state: s, now: now, requestID: requestID)
        }
    }

    private static func answer(_ request: HTTPRequest, state s: State, now: Double, requestID: String) -> HTTPResponse {
        func reject(_ code: String, _ message: String) -> HTTPResponse {
            SimulatedTencentSignature.errorResponse(code: code, message: message, requestID: requestID)
        }
        guard request.method == "POST", request.path == "/" else {
            return reject("InvalidParameter", "Only POST / is supported by this simulator.")
        }
        let verified = SimulatedTencentSignature.verify(request, service: service, now: now) { s.credentials[$0]?.secret }
        let secretId: String
        switch verified {
        case .success(let id): secretId = id
        case .failure(let rejection): return reject(rejection.code, rejection.message)
        }
        guard request.headers["X-TC-Action"] == "DescribeAccountBalance" else {
            return reject("InvalidAction", "The action is not supported by this simulator.")
        }
        guard request.headers["X-TC-Version"] == "2018-07-09" else {
            return reject("NoSuchVersion", "The API version does not exist.")
        }
        guard let params = JSONValue.parse(request.body)?.object else {
            return reject("InvalidParameter", "The request body is not a JSON object.")
        }
        guard let name = s.credentials[secretId]?.account, let account = s.accounts[name] else {
            return reject("ResourceNotFound", "No account for this credential.")
        }
        return SimulatedTencentSignature.json(balanceBody(account, tempCredit: params["TempCredit"] == .bool(true), requestID: requestID))
    }

    static func balanceBody(_ account: SimulatedTencentAccount, tempCredit: Bool, requestID: String) -> String {
        var members = account.responseMembers(includeTempCredit: tempCredit)
        members.append(("RequestId", JSONValue.string(requestID).text))
        return JSONValue.objectText([("Response", JSONValue.objectText(members))])
    }
}
