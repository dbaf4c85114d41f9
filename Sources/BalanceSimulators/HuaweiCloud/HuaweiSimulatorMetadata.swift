import BalanceHTTP
import BalanceSupport
import Synchronization

/// A simulated ECS metadata service handing out the temporary keys of the
/// instance's cloud service agency, as an `HTTPHandler`
/// (https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0166.html):
/// `PUT /meta-data/latest/api/token` (with `X-Metadata-Token-Ttl-Seconds`) →
/// a session token; `GET /openstack/latest/securitykey` (with
/// `X-Metadata-Token`, required when `requireSessionToken`) →
/// `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`.
/// Like the real service it hands out new keys ten minutes before the old
/// ones expire; each issue is registered with the BSS/IAM simulator. Without
/// an agency it answers 401 "Please configure Cloud Service Agency first".
/// Thread-safe.
package final class HuaweiSimulatorMetadata: HTTPHandler {
    private struct Issued {
        var accessKey: String
        var secretKey: String
        var securityToken: String
        var expiresAt: Double

        init(_ issue: RotatingCredentials.Issue) {
            accessKey = "HSTASIMULATED\(issue.number)"
            secretKey = "metadata-secret-\(issue.number)"
            securityToken = "metadata-token-\(issue.number)"
            expiresAt = issue.expiresAt
        }
    }
    private struct State {
        var credentials: RotatingCredentials
        var sessionTokens = MetadataSessionTokens(maxSeconds: HuaweiSimulatorMetadata.maxSessionTokenTTL, prefix: "sim-session-")
        var requests = RequestLog()
    }

    static let rotationMargin = 600.0
    static let maxSessionTokenTTL = 21600

    private let clock: any WallClock
    private let cloud: HuaweiSimulator
    private let domainId: String?
    private let requireSessionToken: Bool
    private let state: Mutex<State>

    /// `domainId` nil: an instance without an agency.
    package init(clock: any WallClock, cloud: HuaweiSimulator, domainId: String?, lifetime: Double = 3600,
                 requireSessionToken: Bool = false) {
        self.clock = clock
        self.cloud = cloud
        self.domainId = domainId
        self.requireSessionToken = requireSessionToken
        state = Mutex(State(credentials: RotatingCredentials(lifetime: lifetime, rotationMargin: Self.rotationMargin)))
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }
    /// How many sets of keys were issued.
    package var issuedCount: Int { state.withLock { $0.credentials.issuedCount } }

    /// Forgets every session token: the next use of one is refused with 401.
    package func expireSessionTokens() {
        state.withLock { $0.sessionTokens.expireAll() }
    }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        let outcome = state.withLock { s -> (HTTPResponse, Issued?) in
            s.requests.record(request)
            switch (request.method, request.path) {
            case ("PUT", "/meta-data/latest/api/token"):
                guard let token = s.sessionTokens.issue(seconds: request.headers["X-Metadata-Token-Ttl-Seconds"], now: now) else {
                    return (.text(400, "Bad Request"), nil)
                }
                return (.text(200, token), nil)
            case ("GET", "/openstack/latest/securitykey"):
                guard s.sessionTokens.admits(request.headers["X-Metadata-Token"], required: requireSessionToken, now: now) else {
                    return (.text(401, "Unauthorized"), nil)
                }
                guard domainId != nil else { return (.text(401, "Please configure Cloud Service Agency first"), nil) }
                let (issue, isNew) = s.credentials.issue(now: now)
                let issued = Issued(issue)
                return (Self.body(issued), isNew ? issued : nil)
            default:
                return (.text(404, "Not Found"), nil)
            }
        }
        if let issued = outcome.1, let domainId {
            cloud.addTemporaryKey(accessKey: issued.accessKey, secretKey: issued.secretKey, securityToken: issued.securityToken,
                                  expiresAt: issued.expiresAt, domainId: domainId)
        }
        return outcome.0
    }

    private static func body(_ issued: Issued) -> HTTPResponse {
        let credential = JSONValue.object([
            "access": .string(issued.accessKey), "secret": .string(issued.secretKey),
            "securitytoken": .string(issued.securityToken), "expires_at": .string(HuaweiSimulatorWire.expiresAt(issued.expiresAt)),
        ])
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")],
                            body: Array(JSONValue.object(["credential": credential]).text.utf8))
    }
}
