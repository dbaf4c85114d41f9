import BalanceHTTP
import Glibc

/// `--health-check`: a tiny HTTP/1.0 probe of `/-/healthy`, so a container
/// HEALTHCHECK needs no shell, curl or wget.
package enum HealthCheck {
    /// The loopback address to probe for a listen address: a wildcard bind
    /// is reached through the loopback interface of its family.
    package static func probeTarget(for address: ListenAddress) -> (host: String, port: UInt16) {
        switch address.host {
        case .all: return ("127.0.0.1", address.port)
        case .numeric("0.0.0.0"): return ("127.0.0.1", address.port)
        case .numeric("::"): return ("::1", address.port)
        case .numeric(let host): return (host, address.port)
        case .name: return ("127.0.0.1", address.port)
        }
    }

    /// True when `GET /-/healthy` answers 200 within `timeout` seconds.
    package static func probe(host: String, port: UInt16, timeout: Double = 3) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else { return false }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else { return false }
        let request = Array("GET /-/healthy HTTP/1.0\r\nHost: \(host)\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        var received = 0
        while received < 12 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            if n <= 0 { break }
            received += n
        }
        let statusLine = String(decoding: buffer[0..<received], as: UTF8.self)
        return statusLine.hasPrefix("HTTP/1.1 200") || statusLine.hasPrefix("HTTP/1.0 200")
    }
}
