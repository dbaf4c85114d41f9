import BalanceSupport

/// Encodes a response as one contiguous buffer (status line, headers,
/// framing, body) so the server writes it with a single `send` in the common
/// case. Pure: bytes out, no socket.
package enum ResponseEncoder {
    /// - Parameters:
    ///   - minorVersion: the request's HTTP minor version (1.0 clients need an
    ///     explicit `Connection: keep-alive` to keep the connection).
    ///   - keepAlive: whether the server keeps the connection open afterwards;
    ///     when not, `Connection: close` tells the client (RFC 9112 §9.6).
    /// The status line always says HTTP/1.1, our version (RFC 9110 §6.2).
    /// `Content-Length`, `Connection` and `Transfer-Encoding` from the handler
    /// are replaced: framing belongs to the server.
    package static func encode(_ response: HTTPResponse, minorVersion: Int = 1, keepAlive: Bool = true,
                               isHEAD: Bool = false) -> [UInt8] {
        let (head, sendsBody) = encodeHead(response, minorVersion: minorVersion, keepAlive: keepAlive, isHEAD: isHEAD)
        guard sendsBody else { return head }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(head.count + response.bodyCount)
        bytes.append(contentsOf: head)
        for chunk in response.chunks { bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// The status line and header section of `encode` (through the empty
    /// line), and whether the body chunks follow it on the wire. The server
    /// sends a large body from its own buffers after this head (one `sendmsg`
    /// of all) instead of copying it behind the head: for a cached metrics
    /// body that copy was a tenth of a scrape's CPU (Tests/bench/RESULTS.md).
    /// For HEAD (`isHEAD`) the head is the GET answer's, its Content-Length
    /// included, and no body follows (RFC 9110 §9.3.2).
    package static func encodeHead(_ response: HTTPResponse, minorVersion: Int = 1, keepAlive: Bool = true,
                                   isHEAD: Bool = false) -> (head: [UInt8], sendsBody: Bool) {
        // RFC 9110 §6.4.1: 1xx, 204 and 304 never carry content, so they get no Content-Length.
        let noContent = (100..<200).contains(response.status) || response.status == 204 || response.status == 304
        // Bytes appended in place, not a String converted at the end: the
        // head is made for every scrape.
        var head: [UInt8] = []
        head.reserveCapacity(256)
        head.append(contentsOf: "HTTP/1.1 \(response.status) \(reasonPhrase(response.status))\r\n".utf8)
        for field in response.headers where !framingFields.contains(where: { HTTPHeaders.sameName($0, field.name) }) {
            appendSanitized(field.name, to: &head)
            head.append(contentsOf: ": ".utf8)
            appendSanitized(field.value, to: &head)
            head.append(contentsOf: "\r\n".utf8)
        }
        let length = response.bodyCount
        if !noContent {
            head.append(contentsOf: "Content-Length: \(length)\r\n".utf8)
        }
        if !keepAlive {
            head.append(contentsOf: "Connection: close\r\n".utf8)
        } else if minorVersion == 0 {
            head.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        head.append(contentsOf: "\r\n".utf8)
        return (head, !noContent && !isHEAD && length > 0)
    }

    /// Framing belongs to the server: the handler's own are replaced.
    static let framingFields = ["content-length", "connection", "transfer-encoding"]

    /// The answer for a request that could not be decoded (always closes).
    package static func errorResponse(_ status: Int) -> HTTPResponse {
        .text(status, "\(status) \(reasonPhrase(status))\n")
    }

    /// RFC 9110 §15 reason phrases for the statuses this exporter sends.
    package static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }

    /// CR, LF and NUL would let a header value forge further headers
    /// (response splitting); each becomes a space, CR LF one space.
    private static func appendSanitized(_ text: String, to head: inout [UInt8]) {
        var afterCR = false
        for byte in text.utf8 {
            defer { afterCR = byte == ASCII.cr }
            switch byte {
            case ASCII.lf where afterCR: continue
            case ASCII.cr, ASCII.lf, 0: head.append(ASCII.space)
            default: head.append(byte)
            }
        }
    }
}
