import BalanceHTTP
import BalanceSockets
import BalanceSupport

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
        guard let address = SocketAddress(numericHost: host, port: port),
              let socket = try? Socket.tcp(family: address.family) else { return false }
        defer { socket.close() }
        let deadline = SystemClock.monotonic() + timeout
        func remaining() -> Double { max(0, deadline - SystemClock.monotonic()) }
        do throws(SocketError) {
            try socket.setNonBlocking()
            try socket.connect(address, timeout: remaining())
            let request = Array("GET /-/healthy HTTP/1.0\r\nHost: \(address)\r\n\r\n".utf8)
            var sent = 0
            while sent < request.count {
                let n = try socket.send(request, from: sent)
                if n == 0 { guard try Socket.poll([socket], events: Socket.writable, timeout: remaining())[0] != 0 else { return false } }
                sent += n
            }
            // The status line is all we need: `HTTP/1.x 200`.
            var received: [UInt8] = []
            while received.count < 12 {
                guard let n = try socket.receive(appendingTo: &received, capacity: 64) else {
                    guard try Socket.poll([socket], events: Socket.readable, timeout: remaining())[0] != 0 else { return false }
                    continue
                }
                if n == 0 { break }
            }
            let statusLine = String(decoding: received, as: UTF8.self)
            return statusLine.hasPrefix("HTTP/1.1 200") || statusLine.hasPrefix("HTTP/1.0 200")
        } catch {
            return false
        }
    }
}
