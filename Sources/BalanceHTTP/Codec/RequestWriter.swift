import BalanceSupport

/// The wire form of one upstream request (RFC 9112 §3), pure.
///
/// `Host` first unless the caller sends its own (Tencent Cloud signs the Host
/// it sends, so it must go out exactly once and as given); then the caller's
/// headers in order; then the framing this transport owns: `Content-Length`
/// when there is a body or the method is POST, and `Connection: close` (one
/// exchange per connection, no pooling). A caller's own `Content-Length`,
/// `Transfer-Encoding` or `Connection` is dropped so the framing cannot
/// contradict itself. No `Accept-Encoding`: answers come back as identity.
/// Through an HTTP proxy (`proxy`), the target is in absolute form
/// (RFC 9112 §3.2.2) and the proxy's credentials follow `Host` as
/// `Proxy-Authorization`; a caller's own `Proxy-Authorization` is dropped.
enum HTTPRequestWriter {
    static let managedHeaders = ["content-length", "transfer-encoding", "connection", "proxy-authorization"]

    static func encode(_ request: HTTPRequest, to url: HTTPURL, through proxy: ProxyURL? = nil) throws(TransportError) -> [UInt8] {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(ASCII.isTokenByte) else {
            throw .network("invalid request method")
        }
        guard request.target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .network("invalid request target") }
        let target = proxy == nil ? request.target : "\(url.scheme)://\(url.hostHeader)\(request.target)"
        var head = "\(request.method) \(target) HTTP/1.1\r\n"
        if !request.headers.contains("Host") {
            head += "Host: \(url.hostHeader)\r\n"
        }
        if let credentials = proxy?.proxyAuthorization { head += "Proxy-Authorization: \(credentials)\r\n" }
        for field in request.headers where !managedHeaders.contains(where: { HTTPHeaders.sameName($0, field.name) }) {
            let (name, value) = (field.name, field.value)
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
