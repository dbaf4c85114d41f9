import BalanceSockets
import Glibc
import Foundation
import Synchronization
import XCTest

/// A raw loopback TCP upstream that hands each accepted connection to a
/// script on its own thread: for what the real `HTTPServer` never does
/// (chunked answers, garbage, a reset mid-body, silence during a TLS
/// handshake). Test-only; `stop()` (registered at teardown by
/// `scriptedUpstream`) ends the accept loop, and the listener closes.
package final class ScriptedUpstream: Sendable {
    package let port: Int
    private let listener: Socket
    private let stopped = Mutex(false)

    package init(host: String = "127.0.0.1", script: @escaping @Sendable (ScriptedConnection) -> Void) throws {
        guard let address = SocketAddress(numericHost: host, port: 0) else {
            throw SocketError(call: "inet_pton", code: 0, message: "\(host) did not parse")
        }
        let socket = try Socket.tcp(family: address.family)
        do {
            try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try socket.bind(address)
            try socket.listen()
            port = Int(try socket.localAddress().port)
        } catch {
            socket.close()
            throw error
        }
        listener = socket
        _ = DetachedThread.start { [self] in acceptLoop(script) }
    }

    package func stop() {
        stopped.withLock { $0 = true }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func acceptLoop(_ script: @escaping @Sendable (ScriptedConnection) -> Void) {
        defer { listener.close() }
        while !isStopped {
            guard let ready = try? Socket.poll([listener], events: Socket.readable, timeout: 0.05), ready[0] != 0,
                  let socket = try? listener.accept() else { continue }
            _ = DetachedThread.start {
                let connection = ScriptedConnection(socket: socket)
                script(connection)
                connection.close()
            }
        }
    }
}

/// One accepted connection, blocking, every wait bounded (5 s by default).
package final class ScriptedConnection: @unchecked Sendable {
    // @unchecked: used by the one thread that runs the script.
    package let socket: Socket
    private var closed = false

    package init(socket: Socket) {
        self.socket = socket
    }

    /// The request head (through its empty line), nil if the client closed or went silent first.
    package func readRequestHead(timeout: Double = 5) -> String? {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let end = received.firstRange(of: [13, 10, 13, 10]) {
                return String(decoding: received[..<end.upperBound], as: UTF8.self)
            }
            guard let ready = try? Socket.poll([socket], events: Socket.readable, timeout: 0.05) else { return nil }
            if ready[0] == 0 { continue }
            guard let n = try? socket.receive(appendingTo: &received), n > 0 else { return nil }
        }
        return nil
    }

    /// Whatever arrives first (a TLS ClientHello, say), nil if nothing does in time.
    package func readSome(timeout: Double = 5) -> [UInt8]? {
        var received: [UInt8] = []
        guard let ready = try? Socket.poll([socket], events: Socket.readable, timeout: timeout), ready[0] != 0,
              let n = try? socket.receive(appendingTo: &received), n > 0 else { return nil }
        return received
    }

    /// Writes all of `text`; false once the client is gone.
    @discardableResult
    package func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    package func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard let n = try? socket.send(bytes, from: offset) else { return false }
            if n == 0 { _ = try? Socket.poll([socket], events: Socket.writable, timeout: 0.05) }
            offset += n
        }
        return true
    }

    /// Holds the connection open, reading nothing, for `seconds`.
    package func stall(_ seconds: Double) {
        Thread.sleep(forTimeInterval: seconds)
    }

    /// Closes with a reset, as an upstream that crashed mid-answer does.
    package func reset() {
        socket.resetOnClose()
        close()
    }

    package func close() {
        guard !closed else { return }
        closed = true
        socket.close()
    }
}

extension XCTestCase {
    /// A `ScriptedUpstream`, stopped when the test ends. Returns its port.
    package func scriptedUpstream(host: String = "127.0.0.1", _ script: @escaping @Sendable (ScriptedConnection) -> Void) throws -> Int {
        let upstream = try ScriptedUpstream(host: host, script: script)
        addTeardownBlock { upstream.stop() }
        return upstream.port
    }
}
