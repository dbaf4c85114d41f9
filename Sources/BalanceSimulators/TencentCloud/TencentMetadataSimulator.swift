import BalanceHTTP
import BalanceSupport
import Synchronization

/// A simulated CVM metadata service serving a CAM role's temporary
/// credentials, as a pure `HTTPHandler`:
/// `GET /latest/meta-data/cam/security-credentials/` → the role name,
/// `GET /latest/meta-data/cam/security-credentials/<role>` → JSON credentials.
/// Like the real service it rotates the credentials shortly before they
/// expire; each issue is registered with the billing simulator. Thread-safe.
package final class TencentMetadataSimulator: HTTPHandler {
    private struct Issued {
        var id: String
        var key: String
        var token: String
        var expiresAt: Double
    }
    private struct State {
        var current: Issued?
        var issued = 0
        var requests: [HTTPRequest] = []
    }

    static let prefix = "/latest/meta-data/cam/security-credentials/"
    /// The real service hands out new credentials well before the old ones expire.
    static let rotationMargin = 600.0

    private let clock: any WallClock
    private let billing: TencentCloudSimulator
    private let roleName: String?
    private let account: String
    private let lifetime: Double
    private let state = Mutex(State())

    /// `roleName` nil simulates an instance without a role (404).
    package init(clock: any WallClock, billing: TencentCloudSimulator, roleName: String?, account: String, lifetime: Double = 21600) {
        self.clock = clock
        self.billing = billing
        self.roleName = roleName
        self.account = account
        self.lifetime = lifetime
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests } }
    package var requestCount: Int { state.withLock { $0.requests.count } }
    /// How many credential sets were issued.
    package var issuedCount: Int { state.withLock { $0.issued } }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        state.withLock { $0.requests.append(request) }
        guard request.method == "GET", let roleName else { return .text(404, "Not Found") }
        // The listing is `.../security-credentials/`; accept it without the slash too.
        let path = request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        if path + "/" == Self.prefix { return .text(200, roleName) }
        guard path == Self.prefix + roleName else { return .text(404, "Not Found") }
        let (issued, isNew) = state.withLock { s -> (Issued, Bool) in
            if let current = s.current, now < current.expiresAt - Self.rotationMargin { return (current, false) }
            s.issued += 1
            let fresh = Issued(id: "AKIDcvm\(s.issued)", key: "cvm-secret-\(s.issued)", token: "cvm-token-\(s.issued)",
                               expiresAt: (now + lifetime).rounded(.down))
            s.current = fresh
            return (fresh, true)
        }
        if isNew {
            billing.addTemporaryCredential(secretId: issued.id, secretKey: issued.key, token: issued.token,
                                           expiresAt: issued.expiresAt, account: account)
        }
        return SimulatedTencentSignature.json(.object([
            "TmpSecretId": .string(issued.id), "TmpSecretKey": .string(issued.key),
            "ExpiredTime": .number(.int(Int64(issued.expiresAt))),
            "Expiration": .string(SimulatedBeijingTime.rfc3339(Int(issued.expiresAt))),
            "Token": .string(issued.token), "Code": .string("Success"),
        ]))
    }
}
