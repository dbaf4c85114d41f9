/// Where a request goes, read from its URL, pure: the name or address to
/// resolve, the port, whether TLS wraps the connection, and the two strings
/// the request head needs (`Host`, request-target).
package struct UpstreamTarget: Sendable, Equatable {
    /// A name or a numeric address, IPv6 without brackets.
    var host: String
    var port: Int
    var secure: Bool
    /// `host`, `[v6]`, plus `:port` when it is not the scheme's default (RFC 9110 §7.2).
    package var hostHeader: String
    /// Origin form: the percent-encoded path (at least `/`) and `?query` (RFC 9112 §3.2.1).
    package var requestTarget: String

    /// `HTTPURL` only holds `http` and `https` URLs with a host and a valid port.
    package init(_ url: HTTPURL) {
        secure = url.secure
        port = url.port ?? url.defaultPort
        host = url.host
        hostHeader = port == url.defaultPort ? url.bracketedHost : "\(url.bracketedHost):\(port)"
        requestTarget = (url.path.isEmpty ? "/" : url.path) + (url.query.map { "?\($0)" } ?? "")
    }
}

/// The wire form of one upstream request (RFC 9112 §3), pure.
///
/// `Host` first unless the caller sends its own (Tencent Cloud signs the Host
/// it sends, so it must go out exactly once and as given); then the caller's
/// headers in order; then the framing this transport owns: `Content-Length`
/// when there is a body or the method is POST, and `Connection: close` (one
/// exchange per connection, no pooling). A caller's own `Content-Length`,
/// `Transfer-Encoding` or `Connection` is dropped so the framing cannot
/// contradict itself. No `Accept-Encoding`: answers come back as identity.
enum HTTPRequestWriter {
    static let managedHeaders: Set<String> = ["content-length", "transfer-encoding", "connection"]

    static func encode(_ request: UpstreamRequest, to target: UpstreamTarget) throws(TransportError) -> [UInt8] {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(ASCII.isTokenByte) else {
            throw .network("invalid request method")
        }
        var head = "\(request.method) \(target.requestTarget) HTTP/1.1\r\n"
        if !request.headers.contains(where: { $0.0.lowercased() == "host" }) {
            head += "Host: \(target.hostHeader)\r\n"
        }
        for (name, value) in request.headers where !managedHeaders.contains(name.lowercased()) {
            // A CR or LF in a value would let it smuggle another header or request.
            guard !name.isEmpty, name.utf8.allSatisfy(ASCII.isTokenByte),
                  !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 })
            else { throw .network("invalid request header") }
            head += "\(name): \(value)\r\n"
        }
        if !request.body.isEmpty || request.method == "POST" {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + request.body
    }
}
