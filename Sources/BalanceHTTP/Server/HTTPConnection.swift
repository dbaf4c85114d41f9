import BalanceSockets
import BalanceSupport
import Dispatch
import Glibc

/// What a connection is doing, as the server sees it when it must make room.
enum ConnectionActivity: Sendable, Equatable {
    /// Fresh, or a next request begun: its request line is not complete yet.
    case awaitingRequestLine
    /// A request line arrived: its head or body, handling, or the answer.
    case serving
    /// Kept alive, waiting for a next request.
    case idle
}

/// Serves one accepted connection on its own thread: reads requests,
/// answers them in order through the handler, and ends on close, error,
/// timeout or server shutdown. Every wait is a `poll` with a deadline, so a
/// silent client costs only this thread, and only until its deadline.
struct HTTPConnection {
    let socket: Socket
    /// Readable once the server shuts down: an idle connection then closes.
    let wake: Socket
    let limits: ServerLimits
    let handler: any HTTPHandler
    let logger: Logger
    /// True once the server stopped accepting: answer, then close.
    let isStopping: @Sendable () -> Bool
    /// Tells the server each change of activity (a fresh connection starts
    /// `.awaitingRequestLine`); false once the server closed this
    /// connection to make room: stop.
    let report: @Sendable (ConnectionActivity) -> Bool
    /// TLS on this port: the handshake comes first, and every byte goes through it.
    var session: ServerTLSSession? = nil

    func run() {
        do {
            try socket.setNonBlocking()
        } catch {
            logger.debug("connection setup failed", ["err": .string(error.description)])
            return
        }
        // A fresh connection has readTimeout to shake hands and deliver its
        // first request; a kept-alive one idleTimeout to start the next, then
        // readTimeout to complete it.
        var deadline = Self.now() + limits.readTimeout
        if let session {
            do throws(ServerTLSSession.HandshakeFailure) {
                try session.handshake(until: deadline)
            } catch {
                switch error {
                case .plainHTTP:
                    _ = writeAll(ServerTLSSession.plainHTTPAnswer.count) { (offset) throws(SocketError) -> Int in
                        try socket.send(ServerTLSSession.plainHTTPAnswer, from: offset)
                    }
                    closeGracefully(notifying: false)
                case .timedOut: logger.debug("TLS handshake timed out", ["timeout": .double(limits.readTimeout)])
                case .failed(let reason): logger.debug("TLS handshake failed", ["err": .string(reason)])
                }
                return
            }
        }
        var parser = RequestParser(limits: limits)
        var idle = false
        var activity = ConnectionActivity.awaitingRequestLine
        func tell(_ next: ConnectionActivity) -> Bool {
            guard next != activity else { return true }
            activity = next
            return report(next)
        }
        // One receive buffer for the connection's life, not one per read.
        var scratch = [UInt8](repeating: 0, count: Self.receiveBufferSize)
        while true {
            switch parser.next() {
            case .request(let request):
                guard tell(.serving) else { return }
                let response = handler.handle(request)
                // Read after the handler: a shutdown during a slow answer still closes after it.
                let keepAlive = request.wantsKeepAlive && !isStopping()
                // The one place HEAD is decided: the GET answer's head, no body (RFC 9110 §9.3.2).
                let (head, sendsBody) = ResponseEncoder.encodeHead(response, minorVersion: request.minorVersion,
                                                                   keepAlive: keepAlive, isHEAD: request.method == "HEAD")
                guard sendsBody ? write(head, then: response.chunks) : write(head) else { return }
                guard keepAlive else { return closeGracefully() }
                idle = !parser.hasPartialRequest
                deadline = Self.now() + (idle ? limits.idleTimeout : limits.readTimeout)
            case .error(let error):
                logger.debug("bad request", ["status": .int(error.status), "err": .string(error.detail)])
                _ = write(ResponseEncoder.encode(ResponseEncoder.errorResponse(error.status), keepAlive: false))
                return closeGracefully()
            case .needMoreData:
                let midRequest = parser.hasPartialRequest
                guard tell(idle ? .idle : parser.hasRequestLine ? .serving : .awaitingRequestLine) else { return }
                switch waitForInput(until: deadline, watchShutdown: !midRequest) {
                case .shutdown, .failed:
                    return
                case .timedOut:
                    guard midRequest else { return }  // idle too long: just close
                    logger.debug("request read timed out", ["timeout": .double(limits.readTimeout)])
                    _ = write(ResponseEncoder.encode(ResponseEncoder.errorResponse(408), keepAlive: false))
                    return closeGracefully()
                case .readable:
                    let received: Int?
                    do {
                        received = try receive(into: &scratch)
                    } catch {
                        logger.debug("read failed", ["err": .string(error.description)])
                        return
                    }
                    guard let received else { continue }
                    guard received > 0 else { return }  // the client closed
                    if idle {
                        idle = false
                        deadline = Self.now() + limits.readTimeout
                    }
                    parser.append(Array(scratch[0..<received]))
                }
            }
        }
    }

    private enum Wait { case readable, timedOut, shutdown, failed }

    private func waitForInput(until deadline: Double, watchShutdown: Bool) -> Wait {
        if session?.hasBufferedInput == true { return .readable }
        let remaining = deadline - Self.now()
        guard remaining > 0 else { return .timedOut }
        let sockets = watchShutdown ? [socket, wake] : [socket]
        do {
            let ready = try Socket.poll(sockets, events: Socket.readable, timeout: remaining)
            if ready[0] != 0 { return .readable }
            if watchShutdown && ready[1] != 0 { return .shutdown }
            return .timedOut  // poll answers all-zero only when its timeout passed
        } catch {
            logger.debug("poll failed", ["err": .string(error.description)])
            return .failed
        }
    }

    static let receiveBufferSize = 16_384

    /// Bodies up to this size are copied behind the head and sent with one
    /// `send`; larger ones are gathered from their own buffer (`sendmsg`),
    /// saving a copy of the whole body per response.
    static let copyLimit = 16_384

    /// Writes `head` and the body `chunks` within writeTimeout, like `write(_:)`.
    private func write(_ head: [UInt8], then chunks: [[UInt8]]) -> Bool {
        let bodyCount = chunks.reduce(0) { $0 + $1.count }
        // TLS encrypts from one buffer: no gathering.
        guard bodyCount > Self.copyLimit, session == nil else {
            var bytes = head
            bytes.reserveCapacity(head.count + bodyCount)
            for chunk in chunks { bytes.append(contentsOf: chunk) }
            return write(bytes)
        }
        let parts = [head] + chunks
        return writeAll(head.count + bodyCount) { (offset) throws(SocketError) -> Int in
            try socket.send(gathering: parts, from: offset)
        }
    }

    /// Writes all of `bytes` within writeTimeout; false when the client
    /// vanished or stopped reading (the connection is then dropped).
    private func write(_ bytes: [UInt8]) -> Bool {
        writeAll(bytes.count) { (offset) throws(SocketError) -> Int in
            try send(bytes, from: offset)
        }
    }

    private func receive(into buffer: inout [UInt8]) throws(SocketError) -> Int? {
        guard let session else { return try socket.receive(into: &buffer) }
        return try session.receive(into: &buffer)
    }

    private func send(_ bytes: [UInt8], from offset: Int) throws(SocketError) -> Int {
        guard let session else { return try socket.send(bytes, from: offset) }
        return try session.send(bytes, from: offset)
    }

    /// Calls `send(offset)` until `total` bytes are out, waiting for the
    /// socket to drain while the kernel takes nothing, within writeTimeout.
    private func writeAll(_ total: Int, _ send: (Int) throws(SocketError) -> Int) -> Bool {
        let deadline = Self.now() + limits.writeTimeout
        var offset = 0
        do {
            while offset < total {
                let sent = try send(offset)
                if sent > 0 {
                    offset += sent
                    continue
                }
                let remaining = deadline - Self.now()
                guard remaining > 0 else {
                    logger.debug("write timed out", ["timeout": .double(limits.writeTimeout)])
                    return false
                }
                _ = try Socket.poll([socket], events: Socket.writable, timeout: remaining)
            }
            return true
        } catch {
            // EPIPE / ECONNRESET: the client left mid-answer. Its problem, not ours.
            logger.debug("write failed", ["err": .string(error.description)])
            return false
        }
    }

    /// Ends our side, then reads and discards what the client still sends
    /// for a moment: closing with unread input would make the kernel send a
    /// reset that can destroy the answer before the client reads it (what
    /// Go's net/http calls closeWriteAndWait).
    private func closeGracefully(notifying: Bool = true) {
        if notifying { session?.closeNotify() }
        socket.shutdown(Socket.shutWrite)
        let deadline = Self.now() + Self.lingerSeconds
        var discarded = 0
        var scratch: [UInt8] = []
        while discarded < 1 << 20 {
            let remaining = deadline - Self.now()
            guard remaining > 0,
                  let ready = try? Socket.poll([socket], events: Socket.readable, timeout: remaining), ready[0] != 0 else { return }
            scratch.removeAll(keepingCapacity: true)
            let received: Int?
            do {
                received = try socket.receive(appendingTo: &scratch)
            } catch {
                return
            }
            guard let received else { continue }
            guard received > 0 else { return }
            discarded += received
        }
    }

    static let lingerSeconds = 0.5

    /// Monotonic seconds: deadlines must not jump with the wall clock.
    static func now() -> Double { SystemClock.monotonic() }
}
