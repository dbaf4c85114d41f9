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
    private struct Issued {
        var id: String
        var secret: String
        var token: String
        var expiresAt: Double
    }

    private struct State {
        var current: Issued?
        var issued = 0
        var sessionTokens: [String: Double] = [:]
        var requests: [HTTPRequest] = []
    }

    static let credentialsPath = "/latest/meta-data/ram/security-credentials/"
    /// New credentials are handed out this long before the old ones expire.
    static let rotationMargin = 1800.0

    private let clock: any WallClock
    private let gateway: AlibabaSimulator
    private let roleName: String?
    private let account: String
    private let lifetime: Double
    private let requireToken: Bool
    private let state = Mutex(State())

    /// `roleName` nil simulates an instance without a role (404);
    /// `requireToken` a hardened instance that refuses requests without an IMDSv2 token.
    package init(clock: any WallClock, gateway: AlibabaSimulator, roleName: String?, account: String, lifetime: Double = 21600,
                 requireToken: Bool = false) {
        self.clock = clock
        self.gateway = gateway
        self.roleName = roleName
        self.account = account
        self.lifetime = lifetime
        self.requireToken = requireToken
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests } }
    /// How many credential sets were issued.
    package var issuedCount: Int { state.withLock { $0.issued } }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        return state.withLock { s in
            s.requests.append(request)
            if request.path == "/latest/api/token" {
                guard request.method == "PUT" else { return .text(405, "Method Not Allowed") }
                guard let ttl = request.headers["X-aliyun-ecs-metadata-token-ttl-seconds"].flatMap({ Int($0) }), (1...21600).contains(ttl) else {
                    return .text(400, "Bad Request")
                }
                let token = "imds-session-\(s.sessionTokens.count + 1)"
                s.sessionTokens[token] = now + Double(ttl)
                return .text(200, token)
            }
            guard request.method == "GET" else { return .text(405, "Method Not Allowed") }
            if let token = request.headers["X-aliyun-ecs-metadata-token"] {
                guard let expiry = s.sessionTokens[token], now < expiry else { return .text(401, "Unauthorized") }
            } else if requireToken {
                return .text(401, "Unauthorized")
            }
            guard let roleName else { return .text(404, "Not Found") }
            if request.path == Self.credentialsPath { return .text(200, roleName) }
            guard request.path == Self.credentialsPath + roleName else { return .text(404, "Not Found") }
            if s.current.map({ now >= $0.expiresAt - Self.rotationMargin }) ?? true {
                s.issued += 1
                let n = s.issued
                let fresh = Issued(id: "STS.ecs\(n)", secret: "ecs-secret-\(n)", token: "CAIS+ecs/token\(n)==",
                                   expiresAt: (now + lifetime).rounded(.down))
                s.current = fresh
                gateway.addTemporaryKey(id: fresh.id, secret: fresh.secret, token: fresh.token, expiresAt: fresh.expiresAt,
                                        account: account, principal: .assumedRole(role: roleName, session: "ecs"))
            }
            guard let current = s.current else { return .text(500, "Internal Server Error") }
            let body = JSONValue.object([
                "AccessKeyId": .string(current.id), "AccessKeySecret": .string(current.secret),
                "Expiration": .string(AlibabaSimulatorSignature.dateText(current.expiresAt)),
                "SecurityToken": .string(current.token),
                "LastUpdated": .string(AlibabaSimulatorSignature.dateText(now)), "Code": .string("Success"),
            ]).text
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array(body.utf8))
        }
    }
}
