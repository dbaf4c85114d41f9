#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
@testable import BalanceExporter

/// A loopback upstream that answers every request with a complete status
/// line and headers at once, then sends the body one byte per `interval`:
/// an upstream that keeps the connection alive without ever finishing. The
/// real `HTTPServer` writes whole responses, so this is a separate, minimal
/// socket loop (test-only). Each connection gives up after `bound` seconds,
/// and `stop()` ends everything at the next tick.
final class LiveTrickleServer: Sendable {
    let port: Int
    private let listener: Socket
    private let stopped = Mutex(false)
    private let bytesSent = Mutex(0)

    /// Body bytes written so far, over every connection.
    var bodyBytesSent: Int { bytesSent.withLock { $0 } }

    init(body: [UInt8], interval: Double = 0.05, bound: Double = 5) throws {
        let socket = try Socket.tcp(family: AF_INET)
        do {
            guard let address = SocketAddress(numericHost: "127.0.0.1", port: 0) else {
                throw SocketError(call: "inet_pton", code: 0, message: "127.0.0.1 did not parse")
            }
            try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try socket.bind(address)
            try socket.listen()
            port = Int(try socket.localAddress().port)
        } catch {
            socket.close()
            throw error
        }
        listener = socket
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        _ = DetachedThread.start { [self] in acceptLoop(head: head, body: body, interval: interval, bound: bound) }
    }

    func stop() {
        stopped.withLock { $0 = true }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func acceptLoop(head: [UInt8], body: [UInt8], interval: Double, bound: Double) {
        defer { listener.close() }
        while !isStopped {
            guard let ready = try? Socket.poll([listener], events: Socket.readable, timeout: 0.05), ready[0] != 0,
                  let connection = try? listener.accept() else { continue }
            _ = DetachedThread.start { [self] in serve(connection, head: head, body: body, interval: interval, bound: bound) }
        }
    }

    private func serve(_ connection: Socket, head: [UInt8], body: [UInt8], interval: Double, bound: Double) {
        defer { connection.close() }
        let deadline = Date().addingTimeInterval(bound)
        // Read the request head (the body, if any, is irrelevant here).
        var request: [UInt8] = []
        while !isStopped, Date() < deadline, !request.containsHeadEnd {
            guard let ready = try? Socket.poll([connection], events: Socket.readable, timeout: 0.05), ready[0] != 0 else { continue }
            guard let n = try? connection.receive(appendingTo: &request), n > 0 else { return }
        }
        guard request.containsHeadEnd, (try? connection.send(head)) == head.count else { return }
        for byte in body {
            guard !isStopped, Date() < deadline else { return }
            Thread.sleep(forTimeInterval: interval)  // the server's own pacing: no clock to inject into curl
            guard (try? connection.send([byte])) == 1 else { return }
            bytesSent.withLock { $0 += 1 }
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate var containsHeadEnd: Bool {
        let end: [UInt8] = [13, 10, 13, 10]
        guard count >= 4 else { return false }
        return (0...(count - 4)).contains { self[$0..<($0 + 4)].elementsEqual(end) }
    }
}
