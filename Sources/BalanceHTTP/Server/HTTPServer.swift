import BalanceSockets
import BalanceSupport
import Dispatch
import Glibc
import Synchronization

/// The embedded HTTP/1.1 server: one accept thread per listener and one
/// thread per connection (see `HTTPConnection`), so the synchronous handler
/// may block (the metrics path waits on refreshes) without delaying anyone
/// else.
///
/// Making room (as nginx closes idle keep-alive connections when it runs
/// out): a new connection over `limits.maxConnectionsPerPeer` for its IP
/// address, or over `limits.maxConnections`, takes the place of one that
/// has not sent its request line within `limits.requestLineGrace`, else of
/// the longest idle keep-alive one (the peer's own first); with neither it
/// is answered `503` and closed at once, counted in `refusedConnections`
/// and logged at most once a minute per reason.
///
/// Lifecycle: `init` → `start()` (binds every listener or none) →
/// `shutdown(grace:)`. A server is started at most once.
package final class HTTPServer: Sendable {
    package let addresses: [ListenAddress]
    package let limits: ServerLimits
    private let logger: Logger
    private let handler: any HTTPHandler
    /// TLS on every listener: the context for the next handshake (a
    /// reloaded web configuration hands out a new one). Nil: plain HTTP.
    private let tls: (@Sendable () -> ServerTLSContext?)?

    /// Why a connection was refused (the `reason` label of the refusal counter).
    package enum RefusalReason: String, Sendable, CaseIterable {
        case maxConnections = "max_connections"
        case perPeer = "per_peer"
    }

    private enum Phase { case created, starting, running, stopping, stopped }
    private struct Tracked {
        let socket: Socket
        let peer: String
        let activity: TrackedActivity
        /// Closed to make room; its thread is on its way out.
        var evicted: Bool { activity.seen == nil }
    }

    /// What a connection is doing, under a lock of its own: a connection
    /// reports every change (twice per request) without taking the server's
    /// lock, which every connection, every scrape and the accept loop share.
    private final class TrackedActivity: Sendable {
        private struct Seen {
            var activity = ConnectionActivity.awaitingRequestLine
            /// When `activity` began (monotonic seconds).
            var since: Double
            var evicted = false
        }
        private let value: Mutex<Seen>

        init(since: Double) {
            value = Mutex(Seen(since: since))
        }

        /// The activity and when it began; nil once evicted.
        var seen: (activity: ConnectionActivity, since: Double)? {
            value.withLock { $0.evicted ? nil : ($0.activity, $0.since) }
        }

        /// A connection tells what it is doing; false once it was closed to make room.
        func report(_ activity: ConnectionActivity, at now: Double) -> Bool {
            value.withLock { seen in
                guard !seen.evicted else { return false }
                seen.activity = activity
                seen.since = now
                return true
            }
        }

        /// Marks it evicted if it has not reported since `since` (so it is
        /// still as idle or stalled as when it was chosen); whether it did.
        func evict(ifUnchangedSince since: Double) -> Bool {
            value.withLock { seen in
                guard !seen.evicted, seen.since == since else { return false }
                seen.evicted = true
                return true
            }
        }
    }
    private struct State {
        var phase = Phase.created
        var listeners: [Listener] = []
        /// Closing `wake.write` wakes every accept loop and idle connection.
        var wake: (read: Socket, write: Socket)?
        var wakeReadClosed = false
        var connections: [Int: Tracked] = [:]
        /// Connections not evicted, in all and per peer address.
        var served = 0
        var servedPerPeer: [String: Int] = [:]
        var lastConnectionID = 0
        var refused: [RefusalReason: Int] = [:]
        var refusalLog: [RefusalReason: LogThrottle] = [:]
        var acceptErrorLog = LogThrottle()

        mutating func stopCounting(_ peer: String) {
            served -= 1
            servedPerPeer[peer, default: 1] -= 1
            if servedPerPeer[peer] == 0 { servedPerPeer[peer] = nil }
        }
    }
    private let state = Mutex(State())
    /// `phase` is `.stopping` or `.stopped`: read by every connection after
    /// each answer, without the lock.
    private let stopping = Atomic<Bool>(false)
    /// The sum of `State.refused`, read on every scrape without the lock.
    private let refusedTotal = Atomic<Int>(0)
    private let acceptThreads = DispatchGroup()
    private let connectionThreads = DispatchGroup()

    package init(addresses: [ListenAddress], limits: ServerLimits = ServerLimits(), logger: Logger,
                 tls: (@Sendable () -> ServerTLSContext?)? = nil, handler: any HTTPHandler) {
        self.addresses = addresses
        self.limits = limits
        self.logger = logger
        self.tls = tls
        self.handler = handler
    }

    /// Binds every address, then starts serving. On any failure nothing stays
    /// bound and the error names the address
    /// (`listen tcp 127.0.0.1:9788: bind: address already in use`).
    package func start() throws(SocketError) {
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
    package var boundAddresses: [String] {
        state.withLock { $0.listeners.map { $0.boundAddress.description } }
    }

    /// The ports really bound, in the order given (tests bind port 0).
    package var boundPorts: [Int] {
        state.withLock { $0.listeners.map { Int($0.boundAddress.port) } }
    }

    /// Open connections being served now (not counting those closed to make room).
    package var openConnections: Int {
        state.withLock { $0.served }
    }

    /// Connections refused since the start, by reason (0 for none yet).
    package var refusedConnections: [RefusalReason: Int] {
        state.withLock { s in Dictionary(uniqueKeysWithValues: RefusalReason.allCases.map { ($0, s.refused[$0] ?? 0) }) }
    }

    /// Connections refused since the start, all reasons together.
    package var refusedConnectionCount: Int { refusedTotal.load(ordering: .relaxed) }

    /// Stops accepting (new connections are refused by the kernel), closes
    /// idle keep-alive connections, lets in-flight requests finish and be
    /// answered with `Connection: close` for up to `grace` seconds, then
    /// cuts whatever is left and returns. A handler still blocked then keeps
    /// its thread until it returns; its answer is dropped. Later and
    /// concurrent calls return at once. Not from inside a handler: it would
    /// wait out the whole grace period for its own request.
    package func shutdown(grace: Double) {
        let running: (wakeWrite: Socket, listeners: [Listener])? = state.withLock { s in
            switch s.phase {
            case .created:
                s.phase = .stopped
                return nil
            case .starting, .stopping, .stopped:
                return nil
            case .running:
                s.phase = .stopping
                stopping.store(true, ordering: .releasing)
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
                s.connections.values.forEach { $0.socket.shutdown(Socket.shutBoth) }
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
                guard let (client, peer) = try listener.socket.acceptWithPeer() else { continue }
                admit(client, peer: peer.host)
            } catch {
                // EMFILE, ENFILE, ENOBUFS: back off instead of spinning (as Go's
                // accept loop does); the connection waits in the backlog.
                if let count = state.withLock({ $0.acceptErrorLog.record(now: HTTPConnection.now()) }) {
                    logger.error("Accept failed", ["address": .string(listener.boundAddress.description), "err": .string(error.description),
                                                   "failures": .int(count)])
                }
                _ = try? Socket.poll([wake], events: Socket.readable, timeout: 0.1)
            }
        }
    }

    private enum Admission {
        case serve(id: Int, activity: TrackedActivity, wake: Socket)
        /// `log`: the refusals to log now (this one and those held back), if any.
        case refuse(RefusalReason, log: Int?)
        case stopping
    }

    private func admit(_ client: Socket, peer: String) {
        let now = HTTPConnection.now()
        let admission: Admission = state.withLock { s in
            guard s.phase == .running, let wake = s.wake else { return .stopping }
            if s.servedPerPeer[peer, default: 0] >= limits.maxConnectionsPerPeer {
                guard makeRoom(&s, from: peer, now: now) else { return refusal(.perPeer, &s, now: now) }
            }
            if s.served >= limits.maxConnections {
                guard makeRoom(&s, from: nil, now: now) else { return refusal(.maxConnections, &s, now: now) }
            }
            s.lastConnectionID += 1
            let tracked = Tracked(socket: client, peer: peer, activity: TrackedActivity(since: now))
            s.connections[s.lastConnectionID] = tracked
            s.served += 1
            s.servedPerPeer[peer, default: 0] += 1
            return .serve(id: s.lastConnectionID, activity: tracked.activity, wake: wake.read)
        }
        switch admission {
        case .stopping:
            client.close()
        case .refuse(let reason, let log):
            if let log { logRefusals(reason, count: log) }
            refuse(client, reason)
        case .serve(let id, let activity, let wake):
            connectionThreads.enter()
            let started = DetachedThread.start { [self] in
                var connection = HTTPConnection(socket: client, wake: wake, limits: limits, handler: handler, logger: logger,
                                                isStopping: { [self] in stopping.load(ordering: .acquiring) },
                                                report: { activity.report($0, at: HTTPConnection.now()) })
                // On the connection's thread: fetching the context may re-read the web configuration.
                connection.session = tls.flatMap { $0() }.flatMap { ServerTLSSession(socket: client, context: $0) }
                if tls == nil || connection.session != nil { connection.run() }
                release(id, client)
                connectionThreads.leave()
            }
            if !started {
                if let count = state.withLock({ $0.acceptErrorLog.record(now: now) }) {
                    logger.error("Cannot start a connection thread; refusing the connection", ["failures": .int(count)])
                }
                release(id, client, refusing: true)
                connectionThreads.leave()
            }
        }
    }

    /// Closes a connection among `peer`'s (nil: everyone's) to make room;
    /// false when none may be closed. One that reports a change while it is
    /// chosen is not closed: the choice is made again.
    private func makeRoom(_ s: inout State, from peer: String?, now: Double) -> Bool {
        while true {
            let candidates = s.connections.compactMap { id, tracked -> (id: Int, activity: ConnectionActivity, since: Double)? in
                guard peer == nil || tracked.peer == peer, let seen = tracked.activity.seen else { return nil }
                return (id, seen.activity, seen.since)
            }
            guard let id = Self.victim(among: candidates, now: now, grace: limits.requestLineGrace) else { return false }
            guard let since = candidates.first(where: { $0.id == id })?.since, let tracked = s.connections[id] else { return false }
            guard tracked.activity.evict(ifUnchangedSince: since) else { continue }
            // SHUT_RDWR wakes the connection's thread, which closes the descriptor
            // itself on its way out (under this lock it is still open: no reuse race).
            s.stopCounting(tracked.peer)
            tracked.socket.shutdown(Socket.shutBoth)
            return true
        }
    }

    /// The oldest connection that has not sent its request line within
    /// `grace` seconds, else the longest idle one; nil when every one is
    /// busy with a request or younger than the grace.
    static func victim(among connections: some Sequence<(id: Int, activity: ConnectionActivity, since: Double)>,
                       now: Double, grace: Double) -> Int? {
        var stalled: (id: Int, since: Double)?
        var idle: (id: Int, since: Double)?
        for connection in connections {
            switch connection.activity {
            case .awaitingRequestLine where now - connection.since >= grace:
                if connection.since < stalled?.since ?? .infinity { stalled = (connection.id, connection.since) }
            case .idle:
                if connection.since < idle?.since ?? .infinity { idle = (connection.id, connection.since) }
            case .awaitingRequestLine, .serving:
                break
            }
        }
        return (stalled ?? idle)?.id
    }

    private func refusal(_ reason: RefusalReason, _ s: inout State, now: Double) -> Admission {
        s.refused[reason, default: 0] += 1
        refusedTotal.add(1, ordering: .relaxed)
        return .refuse(reason, log: s.refusalLog[reason, default: LogThrottle()].record(now: now))
    }

    private func logRefusals(_ reason: RefusalReason, count: Int) {
        let fields: KeyValuePairs<String, LogValue?> = [
            "reason": .string(reason.rawValue), "refused": .int(count),
            "max_connections": .int(limits.maxConnections), "max_connections_per_peer": .int(limits.maxConnectionsPerPeer),
        ]
        switch reason {
        case .maxConnections: logger.warn("Refusing connections: too many open connections, none idle", fields)
        case .perPeer: logger.warn("Refusing connections: too many open connections from one address, none idle", fields)
        }
    }

    /// The answers to a connection that is refused, sent from the accept
    /// thread without waiting: they fit any socket buffer.
    private static let refusals: [RefusalReason: [UInt8]] = [
        .maxConnections: ResponseEncoder.encode(.text(503, "503 Service Unavailable: too many open connections\n"), keepAlive: false),
        .perPeer: ResponseEncoder.encode(.text(503, "503 Service Unavailable: too many open connections from your address\n"),
                                         keepAlive: false),
    ]

    private func refuse(_ client: Socket, _ reason: RefusalReason) {
        _ = try? client.send(Self.refusals[reason] ?? [], flags: Socket.dontWait)
        client.shutdown(Socket.shutWrite)
        client.close()
    }

    private func release(_ id: Int, _ client: Socket, refusing: Bool = false) {
        let wakeRead: Socket? = state.withLock { s in
            if let tracked = s.connections.removeValue(forKey: id), !tracked.evicted { s.stopCounting(tracked.peer) }
            return takeWakeReadIfUnused(&s)
        }
        if refusing { refuse(client, .maxConnections) } else { client.close() }
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
