import BalanceCore
import BalanceCrypto
import BalanceSupport

/// SDK-HMAC-SHA256, Huawei Cloud's AK/SK request signing as the official SDKs
/// do it today (https://support.huaweicloud.com/devg-apisign/api-sign-0001.html;
/// `core/auth/signer` of https://github.com/huaweicloud/huaweicloud-sdk-go-v3):
/// a pure function of its inputs (the time is an input, never read from a
/// clock), so the SDK's own vectors test it exactly.
///
/// Where it differs from Tencent's TC3: the canonical URI ends in `/` (added
/// for signing only, the request line is sent without it); header values are
/// trimmed but not lower-cased; every header present is signed except those
/// with `_` in the name; the string to sign has no credential scope and the
/// key is the secret key as it is, with no derivation.
package enum HuaweiSigner {
    package static let algorithm = "SDK-HMAC-SHA256"

    /// The signature and every intermediate text, for tests and diagnostics
    /// (a rejected signature's answer echoes the gateway's canonical request).
    package struct Signature: Sendable, Equatable {
        /// The `X-Sdk-Date` value: `yyyyMMdd'T'HHmmss'Z'`, UTC.
        package var sdkDate: String
        package var canonicalRequest: String
        /// Lower-case hex SHA-256 of `canonicalRequest`.
        package var canonicalRequestHash: String
        package var stringToSign: String
        /// `content-type;host;...`: lower-case, sorted, `;`-separated.
        package var signedHeaders: String
        /// Lower-case hex.
        package var signature: String
        /// The `Authorization` header value.
        package var authorization: String
    }

    /// Signs one request.
    /// - Parameters:
    ///   - path: percent-encoded, as in the request line (`/v2/accounts/customer-accounts/balances`).
    ///   - query: the parameters, not encoded; they are sent as `canonicalQuery(query)`.
    ///   - headers: every header sent, names distinct ignoring case, `Host` exactly as sent,
    ///     `X-Security-Token` for temporary keys; not `X-Sdk-Date` (this adds it from
    ///     `timestamp`) nor `Authorization`.
    ///   - timestamp: Unix seconds, sent as `X-Sdk-Date`.
    package static func sign(accessKey: String, secretKey: String, method: String, path: String,
                             query: [(String, String)] = [], headers: [(String, String)], body: [UInt8] = [],
                             timestamp: Int) -> Signature {
        let sdkDate = self.sdkDate(timestamp)
        var signed = [("x-sdk-date", sdkDate)]
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower.contains("_") || lower == "x-sdk-date" || lower == "authorization" { continue }
            signed.append((lower, value.trimmingWhitespace()))
        }
        signed.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        let signedHeaders = signed.map(\.0).joined(separator: ";")
        let canonicalRequest = [method, canonicalURI(path), canonicalQuery(query),
                                signed.map { "\($0.0):\($0.1)\n" }.joined(), signedHeaders,
                                Hex.encode(SHA256.hash(body))].joined(separator: "\n")
        let canonicalRequestHash = Hex.encode(SHA256.hash(canonicalRequest))
        let stringToSign = "\(algorithm)\n\(sdkDate)\n\(canonicalRequestHash)"
        let signature = Hex.encode(HMAC.sha256(key: Array(secretKey.utf8), message: stringToSign))
        return Signature(sdkDate: sdkDate, canonicalRequest: canonicalRequest, canonicalRequestHash: canonicalRequestHash,
                         stringToSign: stringToSign, signedHeaders: signedHeaders, signature: signature,
                         authorization: "\(algorithm) Access=\(accessKey), SignedHeaders=\(signedHeaders), Signature=\(signature)")
    }

    /// `yyyyMMdd'T'HHmmss'Z'` of `timestamp`, UTC.
    package static func sdkDate(_ timestamp: Int) -> String {
        let days = CivilTime.floorDiv(timestamp, 86_400)
        let date = CivilTime.date(fromDays: days).replacing("-", with: "")
        return date + "T" + CivilTime.time(secondOfDay: timestamp - days * 86_400).replacing(":", with: "") + "Z"
    }

    /// The path decoded, each segment encoded again, and a final `/`.
    static func canonicalURI(_ path: String) -> String {
        let segments = percentDecoded(path).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let uri = segments.map(encode).joined(separator: "/")
        return uri.hasSuffix("/") ? uri : uri + "/"
    }

    /// Sorted by name, then value (by their bytes), each `name=value` encoded,
    /// joined by `&`: also what the request line sends.
    package static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.sorted { a, b in
            a.0 == b.0 ? a.1.utf8.lexicographicallyPrecedes(b.1.utf8) : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
        }
        .map { "\(encode(Array($0.0.utf8)))=\(encode(Array($0.1.utf8)))" }
        .joined(separator: "&")
    }

    /// RFC 3986 unreserved bytes as they are, every other byte `%XX` (upper-case hex).
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            if unreserved.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// `%XX` escapes decoded; a `%` without two hex digits stays as it is.
    static func percentDecoded(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let value = Hex.decode(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self)) {
                out += value
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }
}
