import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Yeastar's response envelope, `{code, detailMessage, requestId, result,
/// status}`: `code` is `"success"` or an error string, `status` an HTTP status
/// that is not documented to equal the transport's. Pure.
struct YeastarEnvelope: Sendable, Equatable {
    var code: String
    var detailMessage: String?
    var requestID: String?
    var status: Int?
    var result: JSONValue?

    var isSuccess: Bool { code == "success" }

    /// The envelope's `status` together with the transport's.
    func statuses(_ response: HTTPResponse) -> Set<Int> {
        var set: Set<Int> = [response.status]
        if let status { set.insert(status) }
        return set
    }

    /// nil unless the body is a JSON object with a string `code`.
    static func parse(_ body: [UInt8]) -> YeastarEnvelope? {
        guard let json = JSONValue.parse(body), let code = json["code"]?.string else { return nil }
        var status: Int?
        if let s = json["status"]?.yeastarNumber, s >= 0, s < 1000 { status = Int(s) }
        return YeastarEnvelope(code: code, detailMessage: json["detailMessage"]?.string,
                               requestID: json["requestId"]?.yeastarIdentifier, status: status, result: json["result"])
    }
}

/// Yeastar's envelope is loosely specified (`expiresIn` documented as a
/// string but sent as a number by some deployments), so fields are picked
/// defensively instead of decoded into fixed structs.
extension JSONValue {
    /// A finite number, or a string holding one (`"675.24"`, `"1800"`):
    /// Yeastar documents several numbers as strings.
    var yeastarNumber: Double? {
        guard let number = numberOrNumericString?.double, number.isFinite else { return nil }
        return number
    }

    /// An identifier given as a string or a number, as text (`123`, not
    /// `123.0`; a `userId` beyond 2^53 digit for digit).
    var yeastarIdentifier: String? {
        switch self {
        case .string(let s): return s.isEmpty ? nil : s
        case .number(let n): return n.wholeNumberText ?? "\(n.double)"
        default: return nil
        }
    }
}

/// The failure vocabulary for Yeastar codes. The codes for an invalid token,
/// bad credentials or throttling are not documented, so these are heuristics
/// on the code's words; anything unrecognised is `.upstream_error` with the
/// code attached, which is always correct, merely less specific.
enum YeastarErrorCode {
    /// A code that says the access token is invalid or expired: the balance
    /// call gets one new token and one retry.
    static func isTokenProblem(_ code: String) -> Bool {
        let c = code.lowercased()
        return c.contains("token") || c.contains("unauthori") || c.contains("expire")
    }

    /// `statuses`: the envelope's `status` and the transport's, which are not
    /// documented to agree.
    static func reason(forCode code: String, statuses: Set<Int>) -> FailureReason {
        let c = code.lowercased()
        if statuses.contains(429) || ["limit", "frequen", "too_many", "throttl"].contains(where: c.contains) {
            return .throttled
        }
        if ["permission", "forbidden", "denied", "not_allowed", "restrict", "whitelist"].contains(where: c.contains) {
            return .permission
        }
        if statuses.contains(401) || statuses.contains(403)
            || ["auth", "credential", "client", "secret", "token", "login", "password"].contains(where: c.contains) {
            return .auth
        }
        return .upstream_error
    }

    /// For a non-success HTTP status without an envelope.
    static func reason(forHTTPStatus status: Int) -> FailureReason {
        switch status {
        case 401: return .auth
        case 403: return .permission
        default: return .forHTTPStatus(status)
        }
    }
}
