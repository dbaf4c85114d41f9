/// An access token and what the client knows about its lifetime.
struct YeastarToken: Sendable, Equatable {
    var token: String
    /// The Authorization header's prefix as Yeastar sent it, if it did.
    var tokenHead: String?
    /// The newest refresh token (they rotate: each refresh returns a new one).
    var refreshToken: String?
    var obtainedAt: Double
    var expiresAt: Double
    /// `obtainedAt + 80%` of the lifetime: refresh from then on, so a slow
    /// refresh never leaves the client holding an expired token.
    var refreshAt: Double
    /// `userId` from the token's `X-MS-USER` claim: the reading's `uin`.
    var userID: String?

    /// Used when neither `expiresIn` nor the JWT's `exp` gives a lifetime:
    /// short, so an unknown lifetime costs a refresh, not a rejected call.
    static let fallbackLifetime: Double = 300
    /// No access token is trusted longer than the refresh token lives (15
    /// days, as Yeastar documents). Unbounded, an `expiresIn` of `1e300` trapped
    /// the token manager's whole-seconds log field (FuzzRegressionTests).
    static let maximumLifetime: Double = 15 * 86_400
    static let refreshFraction = 0.8

    /// `<tokenHead><token>`; `Bearer ` when no head was sent. A head without a
    /// trailing space (`Bearer`) gets one: the documented header is
    /// `Authorization: Bearer <token>` (RFC 6750 §2.1), never `Bearer<token>`.
    var authorization: String {
        var head = tokenHead ?? ""
        if head.trimmingSpaces.isEmpty { head = "Bearer " }
        if !head.hasSuffix(" ") { head += " " }
        return head + token
    }

    /// Where the lifetime came from: `expiresIn` (string or number of
    /// seconds), else the JWT's `exp`, else `fallbackLifetime`; at most
    /// `maximumLifetime`.
    static func lifetime(expiresIn: Double?, jwtExpiry: Double?, now: Double) -> Double {
        if let expiresIn, expiresIn.isFinite, expiresIn > 0 { return min(expiresIn, maximumLifetime) }
        if let jwtExpiry, jwtExpiry.isFinite, jwtExpiry - now > 0 { return min(jwtExpiry - now, maximumLifetime) }
        return fallbackLifetime
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        self.drop(while: { $0 == " " })
    }
}
