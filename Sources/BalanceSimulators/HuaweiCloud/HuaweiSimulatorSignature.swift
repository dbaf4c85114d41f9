import BalanceCrypto
import BalanceHTTP
import BalanceSupport

/// The Huawei simulator's own SDK-HMAC-SHA256 check, as the API gateway does
/// it (https://support.huaweicloud.com/devg-apisign/api-sign-0001.html): the
/// canonical request is rebuilt from the request as received (request line,
/// raw headers, body), on a code path of its own, never the client's signer,
/// so a signer bug cannot hide behind itself.
enum HuaweiSimulatorSignature {
    struct Authorization: Equatable {
        var accessKey: String
        /// Lower-case, as listed.
        var signedHeaders: [String]
        var signature: String
    }

    /// `SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=a;b, Signature=<hex>`; nil for anything else.
    static func parseAuthorization(_ header: String) -> Authorization? {
        let algorithm = "SDK-HMAC-SHA256 "
        guard header.hasPrefix(algorithm) else { return nil }
        var parts: [String: String] = [:]
        for item in header.dropFirst(algorithm.count).split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            parts[pair[0].trimmingWhitespace()] = pair[1].trimmingWhitespace()
        }
        guard let access = parts["Access"], !access.isEmpty, let signed = parts["SignedHeaders"],
              let signature = parts["Signature"] else { return nil }
        return Authorization(accessKey: access, signedHeaders: signed.split(separator: ";").map { $0.lowercased() },
                             signature: signature)
    }

    /// The canonical request the gateway computes for `request` and the
    /// signature `secretKey` gives it; nil when a signed header is missing.
    static func expected(_ request: HTTPRequest, signedHeaders: [String], sdkDate: String,
                         secretKey: String) -> (canonicalRequest: String, signature: String)? {
        var headerBlock = ""
        for name in signedHeaders {
            guard let value = request.headers[name] else { return nil }
            headerBlock += name + ":" + value.trimmingWhitespace() + "\n"
        }
        let lines = [request.method, uri(request.path), query(request.query ?? ""), headerBlock,
                     signedHeaders.joined(separator: ";"), Hex.encode(SHA256.hash(request.body))]
        let canonicalRequest = lines.joined(separator: "\n")
        let stringToSign = "SDK-HMAC-SHA256\n" + sdkDate + "\n" + Hex.encode(SHA256.hash(Array(canonicalRequest.utf8)))
        let signature = Hex.encode(HMAC.sha256(key: Array(secretKey.utf8), message: Array(stringToSign.utf8)))
        return (canonicalRequest, signature)
    }

    /// Each segment of the received path decoded and encoded again; always ends in `/`.
    static func uri(_ path: String) -> String {
        var out = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { escape(unescape(String($0))) }
            .joined(separator: "/")
        if out.last != "/" { out.append("/") }
        return out
    }

    /// The received query's pairs decoded, sorted by name then value, encoded again.
    static func query(_ raw: String) -> String {
        guard !raw.isEmpty else { return "" }
        let pairs = raw.split(separator: "&").map { item -> ([UInt8], [UInt8]) in
            let halves = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(String(halves[0])), halves.count > 1 ? unescape(String(halves[1])) : [])
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0.lexicographicallyPrecedes($1.0) : $0.1.lexicographicallyPrecedes($1.1) }
            .map { escape($0.0) + "=" + escape($0.1) }
            .joined(separator: "&")
    }

    private static func escape(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:  // A-Z a-z 0-9 - . _ ~
                text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Hex.encode([byte]).uppercased()
                text += "%" + hex
            }
        }
        return text
    }

    private static func unescape(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var rest = Array(text.utf8)[...]
        while let byte = rest.popFirst() {
            if byte == 0x25, rest.count >= 2, let decoded = Hex.decode(String(decoding: rest.prefix(2), as: UTF8.self)) {
                out += decoded
                rest = rest.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return out
    }
}
