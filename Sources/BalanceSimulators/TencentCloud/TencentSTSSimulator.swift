import BalanceHTTP
import BalanceSupport
import Synchronization

/// A simulated Tencent Cloud STS `AssumeRole` (version 2018-08-13) as a pure
/// `HTTPHandler`. Verifies the caller's TC3 signature (service `sts`) and
/// clock, issues temporary credentials that expire after `DurationSeconds`
/// and registers them with the billing simulator, so the billing API accepts
/// them (with their `X-TC-Token`) for the role's account. Thread-safe.
package final class TencentSTSSimulator: HTTPHandler {
    private struct State {
        var callers: [String: String] = [:]
        var roles: [String: String] = [:]
        var requests = RequestLog()
        var issued = 0
    }

    private let clock: any WallClock
    private let billing: TencentCloudSimulator
    private let state = Mutex(State())

    package init(clock: any WallClock, billing: TencentCloudSimulator) {
        self.clock = clock
        self.billing = billing
    }

    /// Permanent keys allowed to assume roles.
    package func addCaller(secretId: String, secretKey: String) {
        state.withLock { $0.callers[secretId] = secretKey }
    }

    /// A role whose temporary credentials read the billing simulator's `account`.
    package func addRole(arn: String, account: String) {
        state.withLock { $0.roles[arn] = account }
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }
    package var requestCount: Int { state.withLock { $0.requests.total } }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        let (requestNumber, callers) = state.withLock { s -> (Int, [String: String]) in
            s.requests.record(request)
            return (s.requests.total, s.callers)
        }
        let requestID = "sim-sts-\(requestNumber)"
        func reject(_ code: String, _ message: String) -> HTTPResponse {
            SimulatedTencentSignature.errorResponse(code: code, message: message, requestID: requestID)
        }
        switch SimulatedTencentSignature.verify(request, service: "sts", now: now, lookup: { id in
            callers[id].map { SimulatedTencentSignature.Secret(secretKey: $0) }
        }) {
        case .success: break
        case .failure(let rejection): return reject(rejection.code, rejection.message)
        }
        guard request.headers["X-TC-Action"] == "AssumeRole" else { return reject("InvalidAction", "Only AssumeRole is simulated.") }
        guard request.headers["X-TC-Version"] == "2018-08-13" else { return reject("NoSuchVersion", "The API version does not exist.") }
        guard let params = JSONValue.parse(request.body)?.object,
              let arn = params["RoleArn"]?.string, let session = params["RoleSessionName"]?.string, !session.isEmpty else {
            return reject("InvalidParameter", "RoleArn and RoleSessionName are required.")
        }
        var duration = 7200.0
        if let value = params["DurationSeconds"]?.number?.double {
            guard value > 0, value <= 43200 else {
                return reject("InvalidParameterValue", "DurationSeconds must be at most 43200.")
            }
            duration = value
        }
        guard let account = state.withLock({ $0.roles[arn] }) else {
            return reject("InvalidParameter.RoleNotExist", "The role does not exist.")
        }
        let n = state.withLock { s -> Int in s.issued += 1; return s.issued }
        let issued = (id: "AKIDsts\(n)", key: "sts-secret-\(n)", token: "sts-token-\(n)",
                      expiresAt: (now + duration).rounded(.down), account: account)
        billing.addTemporaryCredential(secretId: issued.id, secretKey: issued.key, token: issued.token,
                                       expiresAt: issued.expiresAt, account: issued.account)
        return SimulatedTencentSignature.json(.object(["Response": .object([
            "Credentials": .object(["Token": .string(issued.token), "TmpSecretId": .string(issued.id), "TmpSecretKey": .string(issued.key)]),
            "ExpiredTime": .number(.int(Int64(issued.expiresAt))),
            "Expiration": .string(SimulatedBeijingTime.rfc3339(Int(issued.expiresAt))),
            "RequestId": .string(requestID),
        ])]))
    }
}
