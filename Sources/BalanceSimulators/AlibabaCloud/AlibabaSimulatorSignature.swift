import BalanceCrypto
import BalanceHTTP
import BalanceSupport

/// The Alibaba simulator's own ACS3-HMAC-SHA256 check: it rebuilds the
/// canonical request from the request as received (the raw query decoded and
/// re-encoded, every value of each signed header, the body's own hash),
/// written apart from the client's signer so a signer bug cannot hide
/// behind itself (https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature).
enum AlibabaSimulatorSignature {
    /// A refusal, as the gateway answers it.
    struct Rejection: Error, Equatable {
        var status: Int
        var code: String
        var message: String
    }

    /// The parts of `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`.
    struct Authorization: Equatable {
        var keyID: String
        var signedHeaders: [String]
        var signature: String
    }

    /// Headers the gateway requires to be signed.
    static let requiredHeaders = ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"]

    static func parseAuthorization(_ header: String?) -> Result<Authorization, Rejection> {
        let incomplete = Rejection(status: 400, code: "IncompleteSignature",
                                   message: "The request signature does not conform to Aliyun standards.")
        guard let header else { return .failure(incomplete) }
        let space = header.firstIndex(of: " ") ?? header.endIndex
        guard header[..<space] == "ACS3-HMAC-SHA256" else {
            return .failure(Rejection(status: 400, code: "InvalidSignatureMethod", message: "The signature method is not supported."))
        }
        var fields: [String: String] = [:]
        for part in header[space...].split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { return .failure(incomplete) }
            fields[trim(part[..<equals])] = trim(part[part.index(after: equals)...])
        }
        guard let keyID = fields["Credential"], !keyID.isEmpty, let names = fields["SignedHeaders"],
              let signature = fields["Signature"], !signature.isEmpty else { return .failure(incomplete) }
        let signed = names.split(separator: ";").map(String.init)
        guard signed == signed.map({ $0.lowercased() }).sorted(), Set(signed).count == signed.count else { return .failure(incomplete) }
        return .success(Authorization(keyID: keyID, signedHeaders: signed, signature: signature))
    }

    /// Every required and every `x-acs-*` header signed, and every signed header sent.
    static func checkCoverage(_ request: HTTPRequest, _ authorization: Authorization) -> Rejection? {
        let signed = Set(authorization.signedHeaders)
        let sent = Set(request.headers.map { $0.name.lowercased() })
        let mustSign = Set(requiredHeaders).union(sent.filter { $0.hasPrefix("x-acs-") })
        if let unsigned = mustSign.subtracting(signed).sorted().first {
            return Rejection(status: 400, code: "IncompleteSignature", message: "The header \(unsigned) must be signed.")
        }
        if let missing = signed.subtracting(sent).sorted().first {
            return Rejection(status: 400, code: "IncompleteSignature", message: "The signed header \(missing) is not in the request.")
        }
        return nil
    }

    /// The string to sign and the signature the server expects.
    static func expected(_ request: HTTPRequest, signedHeaders: [String], secret: String) -> (stringToSign: String, signature: String) {
        var lines = [request.method, request.path.isEmpty ? "/" : request.path, canonicalQuery(request.query ?? "")]
        var headerBlock = ""
        for name in signedHeaders {
            let values = request.headers.filter { $0.name.lowercased() == name }.map { trim($0.value) }
            headerBlock += name + ":" + values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.joined(separator: ",") + "\n"
        }
        lines.append(headerBlock)
        lines.append(signedHeaders.joined(separator: ";"))
        lines.append(Hex.encode(SHA256.hash(request.body)))
        let canonical = lines.joined(separator: "\n")
        let stringToSign = "ACS3-HMAC-SHA256\n" + Hex.encode(SHA256.hash(Array(canonical.utf8)))
        return (stringToSign, Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: Array(stringToSign.utf8))))
    }

    /// The query as received, decoded (`+` and `%20` are spaces), then each
    /// name and value RFC 3986-encoded, sorted, joined with `&`.
    static func canonicalQuery(_ raw: String) -> String {
        var pairs: [(String, String)] = []
        for item in raw.split(separator: "&") {
            let name = item.prefix { $0 != "=" }
            let value = item.count > name.count ? item.dropFirst(name.count + 1) : ""
            pairs.append((encode(decode(name)), encode(decode(value))))
        }
        pairs.sort { $0.0 != $1.0 ? $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) : $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// The decoded parameters, for the actions that read them.
    static func parameters(_ raw: String?) -> [String: String] {
        var out: [String: String] = [:]
        for item in (raw ?? "").split(separator: "&") {
            let name = item.prefix { $0 != "=" }
            out[decode(name)] = item.count > name.count ? decode(item.dropFirst(name.count + 1)) : ""
        }
        return out
    }

    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), input.count >= 2,
                      let high = ASCIIText.hexValue(input[input.startIndex]), let low = ASCIIText.hexValue(input[input.startIndex + 1]) {
                bytes.append(high << 4 | low)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return out
    }


    /// Unix seconds of `yyyy-MM-ddTHH:mm:ssZ`; nil for any other text.
    static func date(_ text: String) -> Double? {
        let parts = text.split(omittingEmptySubsequences: false) { "-T:Z".contains($0) }
        guard text.filter({ "-T:Z".contains($0) }) == "--T::Z", parts.map(\.utf8.count) == [4, 2, 2, 2, 2, 2, 0],
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }) else { return nil }
        let n = parts.prefix(6).map { Int($0) ?? 0 }
        guard (1...12).contains(n[1]), (1...31).contains(n[2]), n[3] < 24, n[4] < 60, n[5] < 60 else { return nil }
        let days = CivilTime.daysFromCivil(n[0], n[1], n[2])
        // 31 February rolls into March: not a date the gateway accepts.
        guard CivilTime.civil(fromDays: days) == (n[0], n[1], n[2]) else { return nil }
        return Double(days * 86_400 + n[3] * 3600 + n[4] * 60 + n[5])
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` of Unix seconds, for the credentials it issues.
    static func dateText(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        let days = CivilTime.floorDiv(whole, 86_400)
        return CivilTime.date(fromDays: days) + "T" + CivilTime.time(secondOfDay: whole - days * 86_400) + "Z"
    }

    private static func trim(_ text: some StringProtocol) -> String {
        let bytes = Array(text.utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }

    /// The gateway's error envelope.
    static func errorResponse(_ rejection: Rejection, requestID: String, hostID: String,
                              extra: [(key: String, json: String)] = [], headers: HTTPHeaders = []) -> HTTPResponse {
        let members: [(key: String, json: String)] = [
            ("RequestId", JSONValue.string(requestID).text), ("HostId", JSONValue.string(hostID).text),
            ("Code", JSONValue.string(rejection.code).text), ("Message", JSONValue.string(rejection.message).text),
            ("Recommend", JSONValue.string("https://api.aliyun.com/troubleshoot?q=\(rejection.code)").text),
        ] + extra
        return json(JSONValue.objectText(members), status: rejection.status, requestID: requestID, headers: headers)
    }

    static func json(_ text: String, status: Int = 200, requestID: String, headers: HTTPHeaders = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json;charset=utf-8"), ("x-acs-request-id", requestID)] + headers,
                     body: Array(text.utf8))
    }
}
