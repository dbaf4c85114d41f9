import BalanceSupport
import Glibc

/// A failed socket call, captured where it happened: the libc call, `errno`
/// and its text. `address` names the listener it concerns, if any, so the
/// message reads like Go's (`listen tcp 127.0.0.1:9788: bind: address already in use`),
/// which is what operators of Prometheus exporters are used to.
package struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libc call (`bind`, `accept`, `getaddrinfo`) or a short operation name.
    package var call: String
    /// `errno` of the failure; 0 when the failure has no errno (a resolver error, a timeout).
    package var code: Int32
    /// Human text: `strerror(code)` lower-cased at the start, or the resolver's text.
    package var message: String
    /// The listen address this error belongs to (`127.0.0.1:9788`), if any.
    package var address: String?

    package init(call: String, code: Int32, message: String, address: String? = nil) {
        self.call = call
        self.code = code
        self.message = message
        self.address = address
    }

    /// The error of `call` from the current `errno`.
    package static func makeFailed(_ call: String, code: Int32 = errno) -> SocketError {
        SocketError(call: call, code: code, message: describe(errno: code))
    }

    static func describe(errno code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return lowercasedFirst(String(cString: text))
    }

    package static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }

    package func at(_ address: String) -> SocketError {
        var copy = self
        copy.address = address
        return copy
    }

    package var description: String {
        if let address { return "listen tcp \(address): \(call): \(message)" }
        return "\(call): \(message)"
    }
}

/// A socket file descriptor with every libc call the server needs wrapped
/// once: failures become `SocketError` values, `EINTR` is retried. It does
/// not own the descriptor's lifetime; whoever created it calls `close()`.
package struct Socket: Sendable, Hashable {
    package let fd: Int32

    // MARK: Creating

    /// A close-on-exec TCP socket of `family` (`AF_INET` / `AF_INET6`).
    package static func tcp(family: Int32) throws(SocketError) -> Socket {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(family, type, 0)
        guard fd >= 0 else { throw .makeFailed("socket") }
        return Socket(fd: fd)
    }

    /// A pipe whose write end is closed to wake every thread polling the read
    /// end at once (the shutdown broadcast).
    package static func pipe() throws(SocketError) -> (read: Socket, write: Socket) {
        var fds: [Int32] = [-1, -1]
        let result = fds.withUnsafeMutableBufferPointer { Glibc.pipe($0.baseAddress!) }
        guard result == 0 else { throw .makeFailed("pipe") }
        return (Socket(fd: fds[0]), Socket(fd: fds[1]))
    }

    /// Ignore SIGPIPE for the whole process: sends already use MSG_NOSIGNAL,
    /// this is belt and braces so a vanished client can never kill us.
    package static func ignoreSIGPIPE() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    // MARK: Options

    package func setOption(level: Int32, name: Int32, value: Int32) throws(SocketError) {
        var value = value
        let result = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        guard result == 0 else { throw .makeFailed("setsockopt") }
    }

    package func setNonBlocking() throws(SocketError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw .makeFailed("fcntl") }
    }

    // MARK: Listening

    package func bind(_ address: SocketAddress) throws(SocketError) {
        let result = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard result == 0 else { throw .makeFailed("bind") }
    }

    package func listen(backlog: Int32 = SOMAXCONN) throws(SocketError) {
        guard Glibc.listen(fd, backlog) == 0 else { throw .makeFailed("listen") }
    }

    /// The address the socket is bound to (the real port after binding port 0).
    package func localAddress() throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw .makeFailed("getsockname") }
        return SocketAddress(storage: storage)
    }

    /// The next pending connection, or nil when none is pending (non-blocking
    /// listener) or it vanished before we took it.
    package func accept() throws(SocketError) -> Socket? {
        try acceptWithPeer()?.socket
    }

    /// `accept()` with the peer's address.
    package func acceptWithPeer() throws(SocketError) -> (socket: Socket, peer: SocketAddress)? {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
            }
            if client >= 0 { return (Socket(fd: client), SocketAddress(storage: storage)) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ECONNABORTED, EPROTO: return nil
            default: throw .makeFailed("accept")
            }
        }
    }

    /// Connects (blocking) to `address`: test clients and loopback probes.
    package func connect(_ address: SocketAddress) throws(SocketError) {
        let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        guard result == 0 else { throw .makeFailed("connect") }
    }

    /// Connects a non-blocking socket to `address` within `timeout`
    /// seconds: the call, then a wait until the kernel's handshake ended,
    /// and `SO_ERROR` for how it ended.
    package func connect(_ address: SocketAddress, timeout: Double) throws(SocketError) {
        do throws(SocketError) {
            try connect(address)
            return
        } catch where error.code == EINPROGRESS || error.code == EINTR {
            // The handshake goes on in the kernel: writable means it ended.
        }
        let ready = try Self.poll([self], events: Self.writable, timeout: timeout)
        guard ready[0] != 0 else { throw SocketError(call: "connect", code: ETIMEDOUT, message: SocketError.describe(errno: ETIMEDOUT)) }
        let code = pendingError()
        guard code == 0 else { throw .makeFailed("connect", code: code) }
    }

    /// `SO_ERROR`: how a non-blocking connect ended (0: connected).
    package func pendingError() -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    // MARK: Data

    /// Reads into `buffer` (its whole capacity, no allocation): the count
    /// received, 0 at end of stream, nil when nothing is there yet
    /// (non-blocking socket).
    package func receive(into buffer: inout [UInt8]) throws(SocketError) -> Int? {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw .makeFailed("recv")
            }
        }
    }

    /// Reads up to `capacity` bytes and appends them. Returns the count; 0 is
    /// end of stream; nil means nothing to read right now (non-blocking).
    package func receive(appendingTo buffer: inout [UInt8], capacity: Int = 16_384) throws(SocketError) -> Int? {
        var chunk = [UInt8](repeating: 0, count: capacity)
        guard let n = try receive(into: &chunk) else { return nil }
        buffer.append(contentsOf: chunk[0..<n])
        return n
    }

    /// Sends as much of `bytes[offset...]` as the kernel takes now. Returns
    /// the count sent; 0 means the socket buffer is full (non-blocking).
    /// MSG_NOSIGNAL: a peer that went away gives EPIPE, not a SIGPIPE that
    /// kills the process.
    package func send(_ bytes: [UInt8], from offset: Int = 0, flags: Int32 = 0) throws(SocketError) -> Int {
        guard offset < bytes.count else { return 0 }
        let allFlags = flags | Int32(MSG_NOSIGNAL)
        while true {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, allFlags) }
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw .makeFailed("send")
            }
        }
    }

    /// One `sendmsg` of what is left of `parts`, taken as one byte stream,
    /// after its first `offset` bytes: the count the kernel took, 0 when the
    /// socket buffer is full (non-blocking). The parts are sent from their
    /// own storage, never copied into one buffer. MSG_NOSIGNAL as in `send`.
    package func send(gathering parts: [[UInt8]], from offset: Int) throws(SocketError) -> Int {
        while true {
            let n = Self.withBuffers(parts[...], []) { buffers -> Int in
                var vectors: [iovec] = []
                vectors.reserveCapacity(buffers.count)
                var skip = offset
                for buffer in buffers {
                    guard skip < buffer.count, let base = buffer.baseAddress else {
                        skip = max(0, skip - buffer.count)
                        continue
                    }
                    vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + skip), iov_len: buffer.count - skip))
                    skip = 0
                }
                guard !vectors.isEmpty else { return 0 }
                return vectors.withUnsafeMutableBufferPointer { iov in
                    var message = msghdr()
                    message.msg_iov = iov.baseAddress
                    message.msg_iovlen = numericCast(iov.count)
                    return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                }
            }
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw .makeFailed("sendmsg")
            }
        }
    }

    /// The byte buffers of every part, valid inside `body`.
    private static func withBuffers<R>(_ parts: ArraySlice<[UInt8]>, _ collected: [UnsafeRawBufferPointer],
                                       _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        guard let first = parts.first else { return body(collected) }
        return first.withUnsafeBytes { withBuffers(parts.dropFirst(), collected + [$0], body) }
    }

    /// Waits until one of `sockets` is ready for `events` or `timeout`
    /// seconds pass (nil: forever). Returns each socket's `revents`; all zero
    /// on timeout.
    package static func poll(_ sockets: [Socket], events: Int16, timeout: Double?) throws(SocketError) -> [Int16] {
        var fds = sockets.map { pollfd(fd: $0.fd, events: events, revents: 0) }
        let millis: Int32
        if let timeout {
            // `> 0` also turns NaN into "do not wait"; infinity is capped.
            millis = timeout > 0 ? Int32(min((timeout * 1000).rounded(.up), Double(Int32.max))) : 0
        } else {
            millis = -1
        }
        while true {
            let result = fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), millis) }
            if result >= 0 { return fds.map(\.revents) }
            if errno == EINTR { continue }  // a signal: the caller re-checks its deadline
            throw .makeFailed("poll")
        }
    }

    // MARK: Ending

    /// `SHUT_WR` ends our side (the peer reads EOF); `SHUT_RDWR` also wakes
    /// any thread blocked on this socket. Errors are irrelevant here (the
    /// peer may already be gone).
    package func shutdown(_ how: Int32) {
        _ = Glibc.shutdown(fd, how)
    }

    package func close() {
        _ = Glibc.close(fd)
    }

    package static let shutWrite = Int32(SHUT_WR)
    package static let shutBoth = Int32(SHUT_RDWR)
    package static let dontWait = Int32(MSG_DONTWAIT)
    package static let readable = Int16(POLLIN)
    package static let writable = Int16(POLLOUT)
}
