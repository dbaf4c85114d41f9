import BalanceCrypto
import BalanceHTTP
import BalanceSupport

/// The simulator's own check of Volcengine's HMAC-SHA256 signature
/// (https://www.volcengine.com/docs/6469/1121980): it rebuilds the canonical
/// request from the request as received (raw query, headers, body),
/// independently of the exporter's signer, so a signer bug cannot hide
/// behind itself. There is no nonce in this scheme; a signature is good for
/// `allowedSkew` seconds around its `X-Date`.
enum VolcengineSimulatorSignature {
    /// What the simulator knows about one access key.
    struct Key: Sendable {
        var secret: String
        /// Temporary keys must send this as `X-Security-Token`, signed.
        var token: String?
        /// Unix seconds; at or after it the token is refused.
        var expiresAt: Double?
    }

    /// Who signed, and the scope they signed for.
    struct Signer: Equatable {
        var accessKeyId: String
        var region: String
        var service: String
    }

    /// An error code of the platform's table (`VolcengineSimulatorWire.platformErrors`).
    struct Rejection: Error, Equatable {
        var code: String
    }

    /// "The Signature of the request is expired" past this skew either way
    /// (the documented default validity of a signature, `X-Expires`, is 900 s).
    static let allowedSkew = 900.0

    static func verify(_ request: HTTPRequest, service: String, now: Double, lookup: (String) -> Key?) -> Result<Signer, Rejection> {
        guard let header = request.headers["Authorization"] else { return .failure(Rejection(code: "MissingAuthenticationToken")) }
        guard let authorization = Authorization(header) else { return .failure(Rejection(code: "InvalidAuthorization")) }
        guard let xDate = request.headers["X-Date"].map(trim) else { return .failure(Rejection(code: "MissingRequestInfo")) }
        guard let signedAt = unixTime(xDate: xDate), abs(signedAt - now) <= allowedSkew else {
            return .failure(Rejection(code: "InvalidTimestamp"))
        }
        guard let key = lookup(authorization.accessKeyId) else { return .failure(Rejection(code: "InvalidAccessKey")) }
        let mismatch = Result<Signer, Rejection>.failure(Rejection(code: "SignatureDoesNotMatch"))
        let bodyHash = Hex.encode(SHA256.hash(request.body))
        guard authorization.date == String(xDate.prefix(8)), authorization.service == service,
              authorization.signedHeaders.contains("host"), authorization.signedHeaders.contains("x-date"),
              request.headers["X-Content-Sha256"].map(trim).map({ $0 == bodyHash }) ?? true else { return mismatch }
        var canonicalHeaders = ""
        for name in authorization.signedHeaders {
            guard let value = request.headers[name] else { return mismatch }
            canonicalHeaders += name + ":" + trim(value) + "\n"
        }
        let canonicalRequest = [request.method, request.path.isEmpty ? "/" : request.path, canonicalQuery(request.query ?? ""),
                                canonicalHeaders, authorization.signedHeaders.joined(separator: ";"), bodyHash].joined(separator: "\n")
        let scope = [authorization.date, authorization.region, service, "request"].joined(separator: "/")
        let stringToSign = "HMAC-SHA256\n\(xDate)\n\(scope)\n" + Hex.encode(SHA256.hash(Array(canonicalRequest.utf8)))
        var signingKey = Array(key.secret.utf8)
        for part in [authorization.date, authorization.region, service, "request"] {
            signingKey = HMAC.sha256(key: signingKey, message: Array(part.utf8))
        }
        guard Hex.encode(HMAC.sha256(key: signingKey, message: Array(stringToSign.utf8))) == authorization.signature else { return mismatch }
        if let token = key.token {
            let expired = key.expiresAt.map { now >= $0 } ?? false
            guard authorization.signedHeaders.contains("x-security-token"), request.headers["X-Security-Token"].map(trim) == token,
                  !expired else { return .failure(Rejection(code: "InvalidSecretToken")) }
        }
        return .success(Signer(accessKeyId: authorization.accessKeyId, region: authorization.region, service: service))
    }

    /// `HMAC-SHA256 Credential=<AK>/<date>/<region>/<service>/request, SignedHeaders=a;b, Signature=<hex>`
    struct Authorization: Equatable {
        var accessKeyId: String
        var date: String
        var region: String
        var service: String
        /// Lower-case, in the order given (which must be sorted).
        var signedHeaders: [String]
        var signature: String

        init?(_ header: String) {
            let prefix = "HMAC-SHA256 "
            guard header.hasPrefix(prefix) else { return nil }
            var parts: [String: String] = [:]
            for item in header.dropFirst(prefix.count).split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { return nil }
                parts[VolcengineSimulatorSignature.trim(pair[0])] = VolcengineSimulatorSignature.trim(pair[1])
            }
            guard let credential = parts["Credential"], let signed = parts["SignedHeaders"], let signature = parts["Signature"] else { return nil }
            let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let names = signed.split(separator: ";").map { $0.lowercased() }
            guard scope.count == 5, scope[4] == "request", !scope[0].isEmpty, !scope[2].isEmpty,
                  names == names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) else { return nil }
            (accessKeyId, date, region, service, signedHeaders, self.signature) = (scope[0], scope[1], scope[2], scope[3], names, signature)
        }
    }

    /// The raw query's parameters decoded, re-encoded the RFC 3986 way
    /// (unreserved bytes kept, all others `%XX`), sorted by decoded key,
    /// values of one key in the order received.
    static func canonicalQuery(_ raw: String) -> String {
        let pairs = raw.split(separator: "&").map { item -> ([UInt8], [UInt8]) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecoded(parts[0]), parts.count > 1 ? percentDecoded(parts[1]) : [])
        }
        let sorted = pairs.enumerated().sorted { a, b in
            a.element.0 == b.element.0 ? a.offset < b.offset : a.element.0.lexicographicallyPrecedes(b.element.0)
        }
        return sorted.map { encoded($0.element.0) + "=" + encoded($0.element.1) }.joined(separator: "&")
    }

    /// The decoded value of each query parameter (the first of a repeated one).
    static func parameters(_ raw: String?) -> [String: String] {
        var out: [String: String] = [:]
        for item in (raw ?? "").split(separator: "&") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(decoding: percentDecoded(parts[0]), as: UTF8.self)
            if out[name] == nil { out[name] = parts.count > 1 ? String(decoding: percentDecoded(parts[1]), as: UTF8.self) : "" }
        }
        return out
    }

    private static func percentDecoded(_ text: Substring) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count, let high = ASCIIText.hexValue(bytes[index + 1]), let low = ASCIIText.hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }


    private static func encoded(_ bytes: [UInt8]) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)
        var out = ""
        for byte in bytes {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return out
    }

    /// Unix seconds of `YYYYMMDD'T'HHMMSS'Z'`, nil for anything else.
    static func unixTime(xDate: String) -> Double? {
        let bytes = Array(xDate.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        var fields: [Int] = []
        for (start, length) in [(0, 4), (4, 2), (6, 2), (9, 2), (11, 2), (13, 2)] {
            guard let value = Int(String(decoding: bytes[start..<start + length], as: UTF8.self)),
                  bytes[start..<start + length].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            fields.append(value)
        }
        let days = CivilTime.daysFromCivil(fields[0], fields[1], fields[2])
        guard CivilTime.civil(fromDays: days) == (fields[0], fields[1], fields[2]), fields[3] < 24, fields[4] < 60, fields[5] < 60 else { return nil }
        return Double(days * 86_400 + fields[3] * 3600 + fields[4] * 60 + fields[5])
    }

    /// Without surrounding spaces and tabs (the docs' "Trimall").
    static func trim(_ text: some StringProtocol) -> String {
        let scalars = Array(text.unicodeScalars)
        var start = 0, end = scalars.count
        while start < end, scalars[start] == " " || scalars[start] == "\t" { start += 1 }
        while end > start, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }
}
