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
    }
    private struct State {
        var current: Issued?
        var issued = 0
        var sessionTokens: [String: Double] = [:]
        var requests: [HTTPRequest] = []
    }

    static let rotationMargin = 600.0
    static let maxSessionTokenTTL = 21600

    private let clock: any WallClock
    private let cloud: HuaweiSimulator
    private let domainId: String?
    private let lifetime: Double
    private let requireSessionToken: Bool
    private let state = Mutex(State())

    /// `domainId` nil: an instance without an agency.
    package init(clock: any WallClock, cloud: HuaweiSimulator, domainId: String?, lifetime: Double = 3600,
                 requireSessionToken: Bool = false) {
        self.clock = clock
        self.cloud = cloud
        self.domainId = domainId
        self.lifetime = lifetime
        self.requireSessionToken = requireSessionToken
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests } }
    /// How many sets of keys were issued.
    package var issuedCount: Int { state.withLock { $0.issued } }

    /// Forgets every session token: the next use of one is refused with 401.
    package func expireSessionTokens() {
        state.withLock { $0.sessionTokens.removeAll() }
    }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        let outcome = state.withLock { s -> (HTTPResponse, Issued?) in
            s.requests.append(request)
            switch (request.method, request.path) {
            case ("PUT", "/meta-data/latest/api/token"):
                guard let ttl = request.headers["X-Metadata-Token-Ttl-Seconds"].flatMap({ Int($0) }),
                      (1...Self.maxSessionTokenTTL).contains(ttl) else {
                    return (.text(400, "Bad Request"), nil)
                }
                let token = "sim-session-\(s.requests.count)"
                s.sessionTokens[token] = now + Double(ttl)
                return (.text(200, token), nil)
            case ("GET", "/openstack/latest/securitykey"):
                if let token = request.headers["X-Metadata-Token"] {
                    guard let expiry = s.sessionTokens[token], now < expiry else { return (.text(401, "Unauthorized"), nil) }
                } else if requireSessionToken {
                    return (.text(401, "Unauthorized"), nil)
                }
                guard domainId != nil else { return (.text(401, "Please configure Cloud Service Agency first"), nil) }
                if let current = s.current, now < current.expiresAt - Self.rotationMargin {
                    return (Self.body(current), nil)
                }
                s.issued += 1
                let fresh = Issued(accessKey: "HSTASIMULATED\(s.issued)", secretKey: "metadata-secret-\(s.issued)",
                                   securityToken: "metadata-token-\(s.issued)", expiresAt: (now + lifetime).rounded(.down))
                s.current = fresh
                return (Self.body(fresh), fresh)
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
