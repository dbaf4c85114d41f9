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
    private struct State {
        var credentials: RotatingCredentials
        var requests = RequestLog()
    }

    static let prefix = "/latest/meta-data/cam/security-credentials/"
    /// The real service hands out new credentials well before the old ones expire.
    static let rotationMargin = 600.0

    private let clock: any WallClock
    private let billing: TencentCloudSimulator
    private let roleName: String?
    private let account: String
    private let state: Mutex<State>

    /// `roleName` nil simulates an instance without a role (404).
    package init(clock: any WallClock, billing: TencentCloudSimulator, roleName: String?, account: String, lifetime: Double = 21600) {
        self.clock = clock
        self.billing = billing
        self.roleName = roleName
        self.account = account
        state = Mutex(State(credentials: RotatingCredentials(lifetime: lifetime, rotationMargin: Self.rotationMargin)))
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests.recent } }
    package var requestCount: Int { state.withLock { $0.requests.total } }
    /// How many credential sets were issued.
    package var issuedCount: Int { state.withLock { $0.credentials.issuedCount } }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let now = clock.now()
        state.withLock { $0.requests.record(request) }
        guard request.method == "GET", let roleName else { return .text(404, "Not Found") }
        // The listing is `.../security-credentials/`; accept it without the slash too.
        let path = request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        if path + "/" == Self.prefix { return .text(200, roleName) }
        guard path == Self.prefix + roleName else { return .text(404, "Not Found") }
        let (issue, isNew) = state.withLock { $0.credentials.issue(now: now) }
        let n = issue.number
        let (id, key, token) = ("AKIDcvm\(n)", "cvm-secret-\(n)", "cvm-token-\(n)")
        if isNew {
            billing.addTemporaryCredential(secretId: id, secretKey: key, token: token, expiresAt: issue.expiresAt, account: account)
        }
        return SimulatedTencentSignature.json(.object([
            "TmpSecretId": .string(id), "TmpSecretKey": .string(key),
            "ExpiredTime": .number(.int(Int64(issue.expiresAt))),
            "Expiration": .string(SimulatedBeijingTime.rfc3339(Int(issue.expiresAt))),
            "Token": .string(token), "Code": .string("Success"),
        ]))
    }
}
