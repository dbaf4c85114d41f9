import BalanceHTTP
import BalanceSupport

/// How the simulated Partner Portal writes its answers: the JSON envelope
/// and JWTs shaped like Yeastar's (https://help.yeastar.com/en/pp-ptr/developer-guide/request-access-token.html). Pure, apart from the
/// random signature bytes that make every token unique.
extension YeastarSimulator {
    static func envelope(_ state: State, code: String, detail: String, status: Int, http: Int = 200,
                         result: JSONValue = .null) -> HTTPResponse {
        let body: JSONValue = .object([
            "code": .string(code), "detailMessage": .string(detail), "requestId": .string("sim-\(state.serial)"),
            "result": result, "status": .number(.int(Int64(status))),
        ])
        return HTTPResponse(status: http, headers: [("Content-Type", "application/json;charset=UTF-8")], body: Array(body.text.utf8))
    }

    /// The payload Yeastar's tokens carry: `X-MS-USER` is a JSON object
    /// serialised into a string claim.
    static func accessPayload(clientID: String, userID: Int64, now: Double, expiresAt: Double, serial: Int) -> JSONValue {
        let user: JSONValue = .object([
            "userId": .number(.int(userID)), "ucId": .number(.int(userID)), "username": .string(clientID),
            "type": .number(.int(1)), "userCode": .string("P\(userID)"),
        ])
        return .object(["X-MS-USER": .string(user.text), "iat": .number(.int(Int64(now))),
                        "exp": .number(.int(Int64(expiresAt))), "jti": .string("a\(serial)")])
    }

    static func jwt(payload: JSONValue) -> String {
        let header: JSONValue = .object(["alg": .string("HS256"), "typ": .string("JWT")])
        let signature = Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        return "\(Base64URL.encode(Array(header.text.utf8))).\(Base64URL.encode(Array(payload.text.utf8))).\(signature)"
    }
}
