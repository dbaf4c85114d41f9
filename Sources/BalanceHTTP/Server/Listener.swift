import BalanceSockets
import BalanceSupport
import Glibc

/// A bound, listening, non-blocking socket and the address it really
/// answers on (the kernel's port when port 0 was asked for).
struct Listener: Sendable {
    let socket: Socket
    let boundAddress: SocketAddress

    /// Binds and listens on `address`. Errors name the address as written.
    static func open(_ address: ListenAddress) throws(SocketError) -> Listener {
        do throws(SocketError) {
            switch address.host {
            case .all:
                // One dual-stack socket on `::` takes IPv4 too (IPV6_V6ONLY=0);
                // hosts with IPv6 disabled get 0.0.0.0 instead.
                let any6 = SocketAddress(numericHost: "::", port: address.port)!
                do throws(SocketError) {
                    return try bindAndListen(any6, dualStack: true)
                } catch where [EAFNOSUPPORT, EADDRNOTAVAIL, EPROTONOSUPPORT].contains(error.code) {
                    return try bindAndListen(SocketAddress(numericHost: "0.0.0.0", port: address.port)!, dualStack: false)
                }
            case .numeric(let host):
                guard let socketAddress = SocketAddress(numericHost: host, port: address.port) else {
                    throw SocketError(call: "parse", code: EINVAL, message: "invalid IP address")
                }
                return try bindAndListen(socketAddress, dualStack: false)
            case .name(let name):
                return try bindAndListen(resolve(name, port: address.port), dualStack: false)
            }
        } catch {
            throw error.at(address.description)
        }
    }

    private static func bindAndListen(_ address: SocketAddress, dualStack: Bool) throws(SocketError) -> Listener {
        let socket = try Socket.tcp(family: address.family)
        do throws(SocketError) {
            // SO_REUSEADDR: a restart does not wait for TIME_WAIT sockets of the old process.
            try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if address.family == AF_INET6 {
                try socket.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: dualStack ? 0 : 1)
            }
            try socket.bind(address)
            try socket.listen()
            // Non-blocking: a connection reset between poll and accept must not block the accept thread.
            try socket.setNonBlocking()
            return Listener(socket: socket, boundAddress: try socket.localAddress())
        } catch {
            socket.close()
            throw error
        }
    }

    /// The first address `name` resolves to, IPv4 preferred (as Go does for
    /// `localhost:port`, which then means 127.0.0.1).
    private static func resolve(_ name: String, port: UInt16) throws(SocketError) -> SocketAddress {
        let found: [SocketAddress]
        do {
            found = try SocketAddress.lookup(name, port: port)
        } catch {
            throw SocketError(call: "lookup \(name)", code: 0, message: SocketError.lowercasedFirst(error.message))
        }
        guard let best = found.first(where: { $0.family == AF_INET }) ?? found.first else {
            throw SocketError(call: "lookup \(name)", code: 0, message: "no IP address found")
        }
        return best
    }
}
