import BalanceSockets
import BalanceSupport
import Dispatch
import Glibc

/// The instant an exchange must be over by, on the monotonic clock (a wall
/// clock step must neither cut nor stretch a request).
struct Deadline: Sendable {
    let uptimeNanoseconds: UInt64

    /// `seconds` from now; negative is now, and infinity or NaN a day (a
    /// request never waits forever).
    init(secondsFromNow seconds: Double) {
        let bounded = seconds.isFinite ? min(max(0, seconds), 86_400) : 86_400
        uptimeNanoseconds = DispatchTime.now().uptimeNanoseconds + UInt64(bounded * 1_000_000_000)
    }

    /// Seconds left, 0 once passed.
    var remaining: Double {
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= uptimeNanoseconds ? 0 : Double(uptimeNanoseconds - now) / 1_000_000_000
    }
}

/// A byte stream to an upstream: plain TCP (`UpstreamSocket`) or TLS over it
/// (`TLSConnection`). Every call returns by the deadline (`.timeout`) and
/// reports failures as the transport's fixed texts.
protocol UpstreamStream {
    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8], until deadline: Deadline) throws(TransportError)
    /// Appends what arrived next; false at the end of the stream.
    func receive(appendingTo buffer: inout [UInt8], until deadline: Deadline) throws(TransportError) -> Bool
}

/// The client side of one TCP connection, non-blocking: every wait is a
/// `poll` bounded by the exchange's deadline, so neither a silent upstream
/// nor one trickling bytes can hold it past the deadline.
struct UpstreamSocket: UpstreamStream {
    let socket: Socket

    // MARK: Connecting

    /// Every address `host` resolves to (`SocketAddress.lookup`); any
    /// failure is "host not found", without the resolver's details.
    static func resolve(_ host: String, port: Int) throws(TransportError) -> [SocketAddress] {
        guard let port = UInt16(exactly: port), let found = try? SocketAddress.lookup(host, port: port) else {
            throw .network("host not found")
        }
        return found
    }

    /// A non-blocking socket for `address`'s family; `register` sees its
    /// descriptor before any wait, so a cancellation can shut it down.
    /// False from `register` (the exchange already ended) closes it again.
    static func open(for address: SocketAddress, register: (Socket) -> Bool) throws(TransportError) -> UpstreamSocket {
        let socket: Socket
        do {
            socket = try Socket.tcp(family: address.family)
            try socket.setNonBlocking()
        } catch {
            throw .network("connection failed")
        }
        guard register(socket) else {
            socket.close()
            throw .cancelled
        }
        return UpstreamSocket(socket: socket)
    }

    /// Connects, waiting at most until the deadline.
    func connect(to address: SocketAddress, until deadline: Deadline) throws(TransportError) {
        do throws(SocketError) {
            try socket.connect(address)
            return
        } catch where error.code == EINPROGRESS || error.code == EINTR {
            // The handshake goes on in the kernel: writable means it ended, SO_ERROR says how.
        } catch {
            throw Self.connectFailure(error.code)
        }
        try wait(for: Socket.writable, until: deadline)
        let code = socket.pendingError()
        guard code == 0 else { throw Self.connectFailure(code) }
    }

    static func connectFailure(_ code: Int32) -> TransportError {
        switch code {
        case ECONNREFUSED: return .network("connection refused")
        case ETIMEDOUT: return .timeout
        case ENETUNREACH: return .network("network unreachable")
        case EHOSTUNREACH: return .network("host unreachable")
        default: return .network("connection failed")
        }
    }

    // MARK: Data

    func send(_ bytes: [UInt8], until deadline: Deadline) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            let sent: Int
            do {
                sent = try socket.send(bytes, from: offset)
            } catch {
                throw .network("connection lost")
            }
            if sent == 0 { try wait(for: Socket.writable, until: deadline) }
            offset += sent
        }
    }

    func receive(appendingTo buffer: inout [UInt8], until deadline: Deadline) throws(TransportError) -> Bool {
        while true {
            let received: Int?
            do {
                received = try socket.receive(appendingTo: &buffer)
            } catch {
                throw .network("connection lost")
            }
            if let received { return received > 0 }
            try wait(for: Socket.readable, until: deadline)
        }
    }

    /// Returns once the socket is ready for `events` (or has failed: the next
    /// call reports how); `.timeout` when the deadline passes first.
    func wait(for events: Int16, until deadline: Deadline) throws(TransportError) {
        while true {
            let remaining = deadline.remaining
            guard remaining > 0 else { throw .timeout }
            let ready: [Int16]
            do {
                ready = try Socket.poll([socket], events: events, timeout: remaining)
            } catch {
                throw .network("connection lost")
            }
            if ready.first.map({ $0 != 0 }) == true { return }
        }
    }
}
