import BalanceCrypto
import BalanceSupport

/// TC3-HMAC-SHA256, Tencent Cloud API 3.0 request signing: a pure function
/// of its inputs (the timestamp is an input, never read from a clock), so
/// the official documentation's vectors test it exactly.
///
/// Spec: https://www.tencentcloud.com/document/api/213/33224 (signature v3).
package enum TC3Signer {
    package static let algorithm = "TC3-HMAC-SHA256"

    /// The signature and every intermediate text, for tests and diagnostics.
    package struct Signature: Sendable, Equatable {
        package var canonicalRequest: String
        package var stringToSign: String
        /// `yyyy-MM-dd`, the UTC date of the timestamp.
        package var date: String
        /// `content-type;host[;x-tc-...]`
        package var signedHeaders: String
        /// Lower-case hex.
        package var signature: String
        /// The `Authorization` header value.
        package var authorization: String
    }

    /// Signs one request.
    /// - Parameters:
    ///   - host: the `Host` header exactly as sent (`host` or `host:port`).
    ///   - contentType: the `Content-Type` header exactly as sent.
    ///   - extraSignedHeaders: further headers to sign (`X-TC-Action`, ...); content-type and host are always signed.
    ///   - timestamp: the `X-TC-Timestamp` value, Unix seconds.
    package static func sign(secretId: String, secretKey: String, service: String, host: String,
                            method: String = "POST", path: String = "/", query: String = "",
                            contentType: String, extraSignedHeaders: [(String, String)] = [],
                            payload: [UInt8], timestamp: Int) -> Signature {
        // Canonical headers: lower-case name, lower-case trimmed value, sorted by name.
        var headers = [("content-type", canonicalValue(contentType)), ("host", canonicalValue(host))]
        for (name, value) in extraSignedHeaders {
            let lower = name.lowercased()
            if lower == "content-type" || lower == "host" { continue }
            headers.append((lower, canonicalValue(value)))
        }
        headers.sort { $0.0 < $1.0 }
        let canonicalHeaders = headers.map { "\($0.0):\($0.1)\n" }.joined()
        let signedHeaders = headers.map(\.0).joined(separator: ";")
        let canonicalRequest = [method, path.isEmpty ? "/" : path, query, canonicalHeaders, signedHeaders,
                                Hex.encode(SHA256.hash(payload))].joined(separator: "\n")

        let date = TencentCalendar.utcDate(timestamp)
        let scope = "\(date)/\(service)/tc3_request"
        let stringToSign = [algorithm, String(timestamp), scope, Hex.encode(SHA256.hash(canonicalRequest))]
            .joined(separator: "\n")

        let kDate = HMAC.sha256(key: Array("TC3\(secretKey)".utf8), message: date)
        let kService = HMAC.sha256(key: kDate, message: service)
        let kSigning = HMAC.sha256(key: kService, message: "tc3_request")
        let signature = Hex.encode(HMAC.sha256(key: kSigning, message: stringToSign))
        let authorization = "\(algorithm) Credential=\(secretId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, date: date,
                         signedHeaders: signedHeaders, signature: signature, authorization: authorization)
    }

    private static func canonicalValue(_ value: String) -> String {
        value.trimmingASCIIWhitespace().lowercased()
    }
}
