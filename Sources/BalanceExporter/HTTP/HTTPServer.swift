import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded HTTP/1.1 server: one accept thread per listener and one
/// thread per connection (see `HTTPConnection`), so the synchronous handler
/// may block (the metrics path waits on refreshes) without delaying anyone
/// else. Connections beyond `limits.maxConnections` are answered `503` and
/// closed at once.
///
/// Lifecycle: `init` → `start()` (binds every listener or none) →
/// `shutdown(grace:)`. A server is started at most once.
public final class HTTPServer: Sendable {
    public let addresses: [ListenAddress]
    public let limits: ServerLimits
    private let logger: Logger
    private let handler: any HTTPHandler

    private enum Phase { case created, starting, running, stopping, stopped }
    private struct State {
        var phase = Phase.created
        var listeners: [Listener] = []
        /// Closing `wake.write` wakes every accept loop and idle connection.
        var wake: (read: Socket, write: Socket)?
        var wakeReadClosed = false
        var connections: [Int: Socket] = [:]
        var lastConnectionID = 0
    }
    private let state = Mutex(State())
    private let acceptThreads = DispatchGroup()
    private let connectionThreads = DispatchGroup()

    public init(addresses: [ListenAddress], limits: ServerLimits = ServerLimits(), logger: Logger, handler: any HTTPHandler) {
        self.addresses = addresses
        self.limits = limits
        self.logger = logger
        self.handler = handler
    }

    /// Binds every address, then starts serving. On any failure nothing stays
    /// bound and the error names the address
    /// (`listen tcp 127.0.0.1:9788: bind: address already in use`).
    public func start() throws(SocketError) {
        let fresh = state.withLock { s in
            guard s.phase == .created else { return false }
            s.phase = .starting
            return true
        }
        guard fresh else { throw SocketError(call: "start", code: EINVAL, message: "server already started") }
        guard !addresses.isEmpty else {
            state.withLock { $0.phase = .created }
            throw SocketError(call: "listen", code: EINVAL, message: "no listen address")
        }
        Socket.ignoreSIGPIPE()
        var listeners: [Listener] = []
        let wake: (read: Socket, write: Socket)
        do throws(SocketError) {
            for address in addresses { listeners.append(try Listener.open(address)) }
            wake = try Socket.pipe()
        } catch {
            listeners.forEach { $0.socket.close() }
            state.withLock { $0.phase = .created }
            throw error
        }
        state.withLock { s in
            s.listeners = listeners
            s.wake = wake
            s.phase = .running
        }
        for listener in listeners {
            acceptThreads.enter()
            let started = DetachedThread.start { [self] in
                acceptLoop(listener, wake: wake.read)
                acceptThreads.leave()
            }
            guard started else {
                acceptThreads.leave()
                shutdown(grace: 0)
                throw SocketError(call: "pthread_create", code: EAGAIN, message: "cannot start the accept thread",
                                  address: listener.boundAddress.description)
            }
            logger.info("Listening on", ["address": .string(listener.boundAddress.description)])
        }
    }

    /// The addresses really bound (`127.0.0.1:54321`, `[::]:9788`), in the
    /// order given; empty before `start()`.
    public var boundAddresses: [String] {
        state.withLock { $0.listeners.map { $0.boundAddress.description } }
    }

    /// The ports really bound, in the order given (tests bind port 0).
    public var boundPorts: [Int] {
        state.withLock { $0.listeners.map { Int($0.boundAddress.port) } }
    }

    /// Open connections being served now.
    public var openConnections: Int {
        state.withLock { $0.connections.count }
    }

    /// Stops accepting (new connections are refused by the kernel), closes
    /// idle keep-alive connections, lets in-flight requests finish and be
    /// answered with `Connection: close` for up to `grace` seconds, then
    /// cuts whatever is left and returns. A handler still blocked then keeps
    /// its thread until it returns; its answer is dropped. Later and
    /// concurrent calls return at once. Not from inside a handler: it would
    /// wait out the whole grace period for its own request.
    public func shutdown(grace: Double) {
        let running: (wakeWrite: Socket, listeners: [Listener])? = state.withLock { s in
            switch s.phase {
            case .created:
                s.phase = .stopped
                return nil
            case .starting, .stopping, .stopped:
                return nil
            case .running:
                s.phase = .stopping
                return s.wake.map { ($0.write, s.listeners) }
            }
        }
        guard let running else { return }
        running.wakeWrite.close()
        acceptThreads.wait()
        running.listeners.forEach { $0.socket.close() }
        let graceSeconds = grace > 0 ? min(grace, 86_400) : 0  // NaN and negatives: no grace
        if connectionThreads.wait(timeout: .now() + graceSeconds) == .timedOut {
            let cut = state.withLock { s in
                // SHUT_RDWR wakes a connection blocked in poll or send; its
                // own thread still closes the descriptor (no reuse race).
                s.connections.values.forEach { $0.shutdown(Socket.shutBoth) }
                return s.connections.count
            }
            logger.warn("Shutdown grace period over; cutting connections", ["connections": .int(cut)])
        }
        let wakeRead: Socket? = state.withLock { s in
            s.phase = .stopped
            return takeWakeReadIfUnused(&s)
        }
        wakeRead?.close()
        logger.info("HTTP server stopped")
    }

    // MARK: Accepting

    private func acceptLoop(_ listener: Listener, wake: Socket) {
        while true {
            let ready: [Int16]
            do {
                ready = try Socket.poll([listener.socket, wake], events: Socket.readable, timeout: nil)
            } catch {
                logger.error("Accept loop failed", ["address": .string(listener.boundAddress.description), "err": .string(error.description)])
                return
            }
            if ready[1] != 0 { return }
            guard ready[0] != 0 else { continue }
            do {
                guard let client = try listener.socket.accept() else { continue }
                admit(client)
            } catch {
                // EMFILE, ENFILE, ENOBUFS: back off instead of spinning (as Go's
                // accept loop does); the connection waits in the backlog.
                logger.error("Accept failed", ["address": .string(listener.boundAddress.description), "err": .string(error.description)])
                _ = try? Socket.poll([wake], events: Socket.readable, timeout: 0.1)
            }
        }
    }

    private enum Admission {
        case serve(id: Int, wake: Socket)
        case refuse
        case stopping
    }

    private func admit(_ client: Socket) {
        let admission: Admission = state.withLock { s in
            guard s.phase == .running, let wake = s.wake else { return .stopping }
            guard s.connections.count < limits.maxConnections else { return .refuse }
            s.lastConnectionID += 1
            s.connections[s.lastConnectionID] = client
            return .serve(id: s.lastConnectionID, wake: wake.read)
        }
        switch admission {
        case .stopping:
            client.close()
        case .refuse:
            logger.warn("Refusing connection: too many open connections", ["max_connections": .int(limits.maxConnections)])
            refuse(client)
        case .serve(let id, let wake):
            let connection = HTTPConnection(socket: client, wake: wake, limits: limits, handler: handler, logger: logger,
                                            isStopping: { [self] in state.withLock { $0.phase != .running } })
            connectionThreads.enter()
            let started = DetachedThread.start { [self] in
                connection.run()
                release(id, client)
                connectionThreads.leave()
            }
            if !started {
                logger.error("Cannot start a connection thread; refusing the connection")
                release(id, client, refusing: true)
                connectionThreads.leave()
            }
        }
    }

    /// The answer to a connection over the cap, sent from the accept thread
    /// without waiting: it fits any socket buffer.
    private static let refusal = ResponseEncoder.encode(
        .text(503, "503 Service Unavailable: too many open connections\n"), keepAlive: false)

    private func refuse(_ client: Socket) {
        _ = try? client.send(Self.refusal, flags: Socket.dontWait)
        client.shutdown(Socket.shutWrite)
        client.close()
    }

    private func release(_ id: Int, _ client: Socket, refusing: Bool = false) {
        let wakeRead: Socket? = state.withLock { s in
            s.connections[id] = nil
            return takeWakeReadIfUnused(&s)
        }
        if refusing { refuse(client) } else { client.close() }
        wakeRead?.close()
    }

    /// The wake pipe's read end may close once the server stopped and no
    /// connection polls it any more; exactly one caller gets it.
    private func takeWakeReadIfUnused(_ s: inout State) -> Socket? {
        guard s.phase == .stopped, s.connections.isEmpty, !s.wakeReadClosed, let wake = s.wake else { return nil }
        s.wakeReadClosed = true
        return wake.read
    }
}
