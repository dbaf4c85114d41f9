/// How the simulated Partner Portal writes its answers: the JSON envelope
/// and JWTs shaped like Yeastar's (UPSTREAMS.md §2). Pure, apart from the
/// random signature bytes that make every token unique.
extension YeastarSimulator {
    static func envelope(_ state: State, code: String, detail: String, status: Int, http: Int = 200,
                         result: String = "null") -> HTTPResponse {
        let body = "{\"code\":\(json(code)),\"detailMessage\":\(json(detail)),\"requestId\":\"sim-\(state.serial)\",\"result\":\(result),\"status\":\(status)}"
        return HTTPResponse(status: http, headers: [("Content-Type", "application/json;charset=UTF-8")], body: Array(body.utf8))
    }

    /// The payload Yeastar's tokens carry: `X-MS-USER` is a JSON object
    /// serialised into a string claim.
    static func accessPayload(clientID: String, userID: Int64, now: Double, expiresAt: Double, serial: Int) -> String {
        let user = "{\"userId\":\(userID),\"ucId\":\(userID),\"username\":\(json(clientID)),\"type\":1,\"userCode\":\"P\(userID)\"}"
        return "{\"X-MS-USER\":\(json(user)),\"iat\":\(Int64(now)),\"exp\":\(Int64(expiresAt)),\"jti\":\"a\(serial)\"}"
    }

    static func jwt(payload: String) -> String {
        let header = YeastarBase64URL.encode(Array("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".utf8))
        let signature = YeastarBase64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        return "\(header).\(YeastarBase64URL.encode(Array(payload.utf8))).\(signature)"
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }

    /// A JSON string literal.
    static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
