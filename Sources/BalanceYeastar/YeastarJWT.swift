import BalanceCore
import BalanceHTTP
import BalanceSupport

/// What the exporter reads from a Yeastar access token: a JWT (RFC 7519)
/// whose payload carries `exp` and an `X-MS-USER` claim. The signature is not
/// checked: the token is only ever sent back to the server that issued it,
/// and these claims only label metrics and schedule refreshes. Pure.
struct YeastarJWTClaims: Sendable, Equatable {
    /// `exp`: Unix seconds.
    var expiresAt: Double?
    /// `userId` from the `X-MS-USER` claim, which Yeastar encodes as a JSON
    /// *string* holding an object (`"{\"userId\":123,...}"`).
    var userID: String?

    /// nil when the token is not a JWT with a JSON object payload.
    static func parse(_ token: String) -> YeastarJWTClaims? {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let payloadBytes = Base64URL.decode(segments[1]),
              let payload = JSONValue.parse(payloadBytes), case .object = payload else { return nil }
        var claims = YeastarJWTClaims()
        claims.expiresAt = payload["exp"]?.yeastarNumber
        claims.userID = userID(from: payload["X-MS-USER"])
        return claims
    }

    private static func userID(from claim: JSONValue?) -> String? {
        switch claim {
        case .string(let text)?:
            return JSONValue.parse(Array(text.utf8))?["userId"]?.yeastarIdentifier
        case .object?:
            // Not how Yeastar sends it, but unambiguous if a deployment does.
            return claim?["userId"]?.yeastarIdentifier
        default:
            return nil
        }
    }
}
