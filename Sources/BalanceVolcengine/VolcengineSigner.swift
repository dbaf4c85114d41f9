import BalanceCore
import BalanceCrypto
import BalanceHTTP
import BalanceSupport

/// Volcengine's HMAC-SHA256 request signing (a scheme like AWS Signature V4),
/// a pure function of its inputs: the timestamp is an argument, never read
/// from a clock, so the vectors made with the official SDKs test it exactly.
///
/// Spec: https://www.volcengine.com/docs/6469/1121980 (签名机制) and the common
/// parameters, https://www.volcengine.com/docs/6469/1126803 . Where it differs
/// from Tencent's TC3: the credential scope is `date/region/service/request`,
/// the date is `X-Date` (`20260102T030405Z`), header values are trimmed but
/// not lower-cased, the query is part of the canonical request, and the key
/// derivation starts from the bare secret (no `TC3`/`AWS4` prefix).
package enum VolcengineSigner {
    package static let algorithm = "HMAC-SHA256"
    /// The credential scope's last element (AWS: `aws4_request`, TC3: `tc3_request`).
    package static let scopeTerminator = "request"

    /// The signature, every intermediate text, and the headers it adds.
    package struct Signature: Sendable {
        /// The `X-Date` header: the timestamp in UTC, `YYYYMMDD'T'HHMMSS'Z'`.
        package var xDate: String
        /// The `X-Content-Sha256` header: lower-case hex SHA-256 of the body.
        package var contentSHA256: String
        package var canonicalRequest: String
        /// `YYYYMMDD/region/service/request`.
        package var credentialScope: String
        package var stringToSign: String
        /// Lower-case names, sorted, joined by `;`.
        package var signedHeaders: String
        /// kSigning, lower-case hex: for comparing with the SDKs' vectors.
        package var signingKey: String
        /// Lower-case hex.
        package var signature: String
        /// The `Authorization` header value.
        package var authorization: String
        /// What the request must send besides its own headers, in this order:
        /// `X-Date`, `X-Content-Sha256`, `X-Security-Token` (temporary
        /// credentials only), `Authorization`.
        package var headers: [(String, String)]
    }

    /// Signs one request.
    /// - Parameters:
    ///   - path: the canonical URI as sent (`/`).
    ///   - query: the query parameters, decoded; canonicalised here (sorted, RFC 3986 encoded).
    ///   - headers: the request's own headers exactly as sent (at least `Host`,
    ///     with a non-default port kept, and for a body its `Content-Type`),
    ///     without the ones this adds (`Signature.headers`). Signed are, as the
    ///     SDKs sign them, `Host`, `Content-Type`, `Content-Md5` and every `X-*`
    ///     header, plus the added `X-Date`, `X-Content-Sha256`, `X-Security-Token`.
    ///   - timestamp: Unix seconds, the `X-Date`.
    package static func sign(accessKeyId: String, secretAccessKey: String, sessionToken: String?,
                             region: String, service: String, method: String, path: String,
                             query: [(String, String)], headers: [(String, String)], body: [UInt8],
                             timestamp: Int) -> Signature {
        let xDate = VolcengineTime.xDate(timestamp)
        let shortDate = String(xDate.prefix(8))
        let contentSHA256 = Hex.encode(SHA256.hash(body))
        var added = [("X-Date", xDate), ("X-Content-Sha256", contentSHA256)]
        if let sessionToken { added.append(("X-Security-Token", sessionToken)) }

        var signed: [(name: String, value: String)] = []
        for (name, value) in headers + added {
            let lower = name.lowercased()
            guard lower == "host" || lower == "content-type" || lower == "content-md5" || lower.hasPrefix("x-") else { continue }
            signed.append((lower, value.trimmingWhitespace()))
        }
        signed.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        let canonicalHeaders = signed.map { "\($0.name):\($0.value)\n" }.joined()
        let signedHeaders = signed.map(\.name).joined(separator: ";")
        let canonicalRequest = [method, path.isEmpty ? "/" : path, canonicalQuery(query), canonicalHeaders, signedHeaders,
                                contentSHA256].joined(separator: "\n")

        let scope = "\(shortDate)/\(region)/\(service)/\(scopeTerminator)"
        let stringToSign = [algorithm, xDate, scope, Hex.encode(SHA256.hash(canonicalRequest))].joined(separator: "\n")
        var key = HMAC.sha256(key: Array(secretAccessKey.utf8), message: shortDate)
        for part in [region, service, scopeTerminator] { key = HMAC.sha256(key: key, message: part) }
        let signature = Hex.encode(HMAC.sha256(key: key, message: stringToSign))
        let authorization = "\(algorithm) Credential=\(accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(xDate: xDate, contentSHA256: contentSHA256, canonicalRequest: canonicalRequest, credentialScope: scope,
                         stringToSign: stringToSign, signedHeaders: signedHeaders, signingKey: Hex.encode(key),
                         signature: signature, authorization: authorization, headers: added + [("Authorization", authorization)])
    }

    /// Sorted by key (its bytes; the values of one key keep their order, as
    /// the SDKs' `sorted(keys)` and Go's `url.Values.Encode` do), every key and
    /// value percent-encoded (RFC 3986: all but `A-Za-z0-9-_.~`, space as
    /// `%20`), joined as `k=v&k=v`. Sent as the query too, so what is sent is
    /// what was signed.
    package static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.enumerated()
            .sorted { a, b in a.element.0 == b.element.0 ? a.offset < b.offset : a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8) }
            .map { "\(percentEncode($0.element.0))=\(percentEncode($0.element.1))" }
            .joined(separator: "&")
    }

    /// RFC 3986 §2.3 unreserved characters kept, every other UTF-8 byte as `%XX` (upper-case hex).
    package static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
