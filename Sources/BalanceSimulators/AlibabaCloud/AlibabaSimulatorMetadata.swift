import BalanceHTTP
import BalanceSupport
import Synchronization

/// A simulated ECS instance metadata service serving a RAM role's temporary
/// credentials, as a pure `HTTPHandler`
/// (https://github.com/aliyun/credentials-python, `provider/ecs_ram_role.py`):
/// `PUT /latest/api/token` (IMDSv2 session token, lifetime from
/// `X-aliyun-ecs-metadata-token-ttl-seconds`), then with or without
/// `X-aliyun-ecs-metadata-token` `GET /latest/meta-data/ram/security-credentials/`
/// → the role name and `.../<role>` → JSON credentials. Like the real service
/// it issues new credentials well before the old ones expire; each issue is
/// registered with the gateway simulator. Thread-safe.
package final class AlibabaSimulatorMetadata: HTTPHandler {
    private struct State {
        var credentials: RotatingCredentials
        var sessionTokens = MetadataSessionTokens(maxSeconds: 21600, prefix: "imds-session-")
        var requests = RequestLog()
    }

    static let credentialsPath = "/latest/meta-data/ram/security-credentials/"
    /// New credentials are handed out this long before the old ones expire.
    static let rotationMargin = 1800.0

    private let clock: any WallClock
    private let gateway: AlibabaSimulator
    private let roleName: String?
    private let account: String
    private let requireToken: Bool
    private let state: Mutex<State>

    /// `roleName` nil simulates an instance without a role (404);
    /// `requireToken` a hardened instance that refuses requests without an IMDSv2 token.
    package init(clock: any WallClock, gateway: AlibabaSimulator, roleName: String?, account: String, lifetime: Double = 21600,
                 requireToken: Bool = false) {
        self.clock = clock
        self.gateway = gateway
        self.roleName = roleName
        self.account = account
        self.requireToken = requireToken
        state = Mutex(State(credentials: RotatingCredentials(lifetime: lifetime, rotationMargin: Self.rotationMargin)))
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }
    /// How many credential sets were issued.
    package var issuedCount: Int { state.withLock { $0.credentials.issuedCount } }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        return state.withLock { s in
            s.requests.record(request)
            if request.path == "/latest/api/token" {
                guard request.method == "PUT" else { return .text(405, "Method Not Allowed") }
                guard let token = s.sessionTokens.issue(seconds: request.headers["X-aliyun-ecs-metadata-token-ttl-seconds"], now: now) else {
                    return .text(400, "Bad Request")
                }
                return .text(200, token)
            }
            guard request.method == "GET" else { return .text(405, "Method Not Allowed") }
            guard s.sessionTokens.admits(request.headers["X-aliyun-ecs-metadata-token"], required: requireToken, now: now) else {
                return .text(401, "Unauthorized")
            }
            guard let roleName else { return .text(404, "Not Found") }
            if request.path == Self.credentialsPath { return .text(200, roleName) }
            guard request.path == Self.credentialsPath + roleName else { return .text(404, "Not Found") }
            let (issue, isNew) = s.credentials.issue(now: now)
            let n = issue.number
            let (id, secret, token) = ("STS.ecs\(n)", "ecs-secret-\(n)", "CAIS+ecs/token\(n)==")
            if isNew {
                gateway.addTemporaryKey(id: id, secret: secret, token: token, expiresAt: issue.expiresAt,
                                        account: account, principal: .assumedRole(role: roleName, session: "ecs"))
            }
            let body = JSONValue.object([
                "AccessKeyId": .string(id), "AccessKeySecret": .string(secret),
                "Expiration": .string(AlibabaSimulatorSignature.dateText(issue.expiresAt)),
                "SecurityToken": .string(token),
                "LastUpdated": .string(AlibabaSimulatorSignature.dateText(now)), "Code": .string("Success"),
            ]).text
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array(body.utf8))
        }
    }
}
