import BalanceCore
import BalanceCrypto
import BalanceSupport

/// ACS3-HMAC-SHA256, Alibaba Cloud's request signature V3, as a pure
/// function of its inputs: the date and the nonce enter as the `x-acs-date`
/// and `x-acs-signature-nonce` headers the caller signs, never from a clock or
/// a random source, so the official SDK's vectors test it exactly.
///
/// Spec: https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature
/// (also https://help.aliyun.com/document_detail/2593177.html); the SDK's
/// signer is `Utils.get_authorization` in https://github.com/aliyun/darabonba-openapi
/// (`python/alibabacloud_tea_openapi/utils.py`).
/// Unlike TC3 the string to sign has no date line and no credential scope,
/// the key is the AccessKey secret itself (no derivation), header values keep
/// their case, and the query string is part of the canonical request.
package enum AlibabaSigner {
    package static let algorithm = "ACS3-HMAC-SHA256"

    /// The signature and every intermediate text, for tests and diagnostics.
    package struct Signature: Sendable, Equatable {
        package var canonicalRequest: String
        /// Lower-case hex SHA-256 of `canonicalRequest`.
        package var hashedCanonicalRequest: String
        package var stringToSign: String
        /// `host;x-acs-action;...`: the lower-case names, sorted.
        package var signedHeaders: String
        /// Lower-case hex.
        package var signature: String
        /// The `Authorization` header value.
        package var authorization: String
    }

    /// Signs one request.
    /// - Parameters:
    ///   - path: the path as sent, percent-encoded; empty is `/`.
    ///   - query: the parameters, unencoded (`a b` is sent and signed `a%20b`).
    ///   - headers: every header to sign (all that are sent but `Authorization`),
    ///     names in any case, values as sent. A name given twice is one
    ///     canonical header: its trimmed values sorted and joined with `,`.
    ///   - hashedPayload: lower-case hex SHA-256 of the body, also sent as
    ///     `x-acs-content-sha256`.
    package static func sign(accessKeyId: String, accessKeySecret: String, method: String, path: String,
                             query: [(name: String, value: String)], headers: [(name: String, value: String)],
                             hashedPayload: String) -> Signature {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            values[name.lowercased(), default: []].append(value.trimmingWhitespace())
        }
        let names = values.keys.sorted(by: utf8Order)
        let canonicalHeaders = names.map { name in
            "\(name):\((values[name] ?? []).sorted(by: utf8Order).joined(separator: ","))\n"
        }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [method, path.isEmpty ? "/" : path, canonicalQuery(query), canonicalHeaders,
                                signedHeaders, hashedPayload].joined(separator: "\n")
        let hashedCanonicalRequest = Hex.encode(SHA256.hash(canonicalRequest))
        let stringToSign = "\(algorithm)\n\(hashedCanonicalRequest)"
        let signature = Hex.encode(HMAC.sha256(key: Array(accessKeySecret.utf8), message: stringToSign))
        let authorization = "\(algorithm) Credential=\(accessKeyId),SignedHeaders=\(signedHeaders),Signature=\(signature)"
        return Signature(canonicalRequest: canonicalRequest, hashedCanonicalRequest: hashedCanonicalRequest,
                         stringToSign: stringToSign, signedHeaders: signedHeaders, signature: signature,
                         authorization: authorization)
    }

    /// `sign` with the hash of `payload`.
    package static func sign(accessKeyId: String, accessKeySecret: String, method: String, path: String,
                             query: [(name: String, value: String)], headers: [(name: String, value: String)],
                             payload: [UInt8]) -> Signature {
        sign(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, method: method, path: path, query: query,
             headers: headers, hashedPayload: hashedPayload(payload))
    }

    package static func hashedPayload(_ payload: [UInt8]) -> String {
        Hex.encode(SHA256.hash(payload))
    }

    /// The parameters sorted by name (then value), each name and value
    /// percent-encoded, as `name=value` joined with `&`: both the signed line
    /// and, since every byte it leaves is unreserved or an escape, the query
    /// as sent.
    package static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        query.sorted { a, b in a.name == b.name ? utf8Order(a.value, b.value) : utf8Order(a.name, b.name) }
            .map { "\(percentEncode($0.name))=\(percentEncode($0.value))" }
            .joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of the UTF-8 bytes: only `A-Z a-z 0-9 - _ . ~`
    /// stay; a space is `%20`, `*` is `%2A`, `/` is `%2F`, `+` is `%2B`.
    package static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)

    /// Code point order, as the SDKs sort (UTF-8 bytes sort the same way).
    private static func utf8Order(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
