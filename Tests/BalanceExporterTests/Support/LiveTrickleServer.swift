#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
@testable import BalanceExporter

/// A loopback upstream that answers every request with a complete status
/// line and headers at once, then sends its body in pieces, `interval`
/// apart: one byte at a time (an upstream that keeps the connection alive
/// without ever finishing), or big pieces with no pause and no declared
/// length (an endless body). The real `HTTPServer` writes whole responses,
/// so this is a separate, minimal socket loop (test-only). Each connection
/// gives up after `bound` seconds, and `stop()` ends everything at the next piece.
final class LiveTrickleServer: Sendable {
    let port: Int
    private let listener: Socket
    private let stopped = Mutex(false)
    private let bytesSent = Mutex(0)

    /// Body bytes written so far, over every connection.
    var bodyBytesSent: Int { bytesSent.withLock { $0 } }

    /// `body` one byte per `interval`, with its `Content-Length`.
    convenience init(trickling body: [UInt8], interval: Double = 0.05, bound: Double = 5) throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        try self.init(head: Array(head.utf8), pieces: body.map { [$0] }, interval: interval, bound: bound)
    }

    /// `count` pieces of `piece` bytes of JSON-ish filler as fast as the
    /// client reads, with no length: the body ends only when the connection does.
    convenience init(endlessPieces count: Int, of piece: Int, bound: Double = 5) throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        let filler = [UInt8](repeating: 0x20, count: piece)
        try self.init(head: Array(head.utf8), pieces: Array(repeating: filler, count: count), interval: 0, bound: bound)
    }

    /// Declares a `Content-Length` of `declaredLength`, then sends 1 KiB pieces `interval` apart.
    convenience init(declaring declaredLength: Int, interval: Double = 0.05, bound: Double = 5) throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(declaredLength)\r\n\r\n"
        let piece = [UInt8](repeating: 0x20, count: 1024)
        try self.init(head: Array(head.utf8), pieces: Array(repeating: piece, count: declaredLength / 1024),
                      interval: interval, bound: bound)
    }

    private init(head: [UInt8], pieces: [[UInt8]], interval: Double, bound: Double) throws {
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
        _ = DetachedThread.start { [self] in acceptLoop(head: head, pieces: pieces, interval: interval, bound: bound) }
    }

    func stop() {
        stopped.withLock { $0 = true }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func acceptLoop(head: [UInt8], pieces: [[UInt8]], interval: Double, bound: Double) {
        defer { listener.close() }
        while !isStopped {
            guard let ready = try? Socket.poll([listener], events: Socket.readable, timeout: 0.05), ready[0] != 0,
                  let connection = try? listener.accept() else { continue }
            _ = DetachedThread.start { [self] in serve(connection, head: head, pieces: pieces, interval: interval, bound: bound) }
        }
    }

    private func serve(_ connection: Socket, head: [UInt8], pieces: [[UInt8]], interval: Double, bound: Double) {
        defer { connection.close() }
        let deadline = Date().addingTimeInterval(bound)
        // Read the request head (the body, if any, is irrelevant here).
        var request: [UInt8] = []
        while !isStopped, Date() < deadline, !request.containsHeadEnd {
            guard let ready = try? Socket.poll([connection], events: Socket.readable, timeout: 0.05), ready[0] != 0 else { continue }
            guard let n = try? connection.receive(appendingTo: &request), n > 0 else { return }
        }
        guard request.containsHeadEnd, sendAll(head, on: connection, until: deadline) else { return }
        for piece in pieces {
            guard !isStopped, Date() < deadline else { return }
            // The upstream's own pacing on the wire: there is no clock to inject into a socket.
            if interval > 0 { Thread.sleep(forTimeInterval: interval) }
            guard sendAll(piece, on: connection, until: deadline) else { return }
            bytesSent.withLock { $0 += piece.count }
        }
    }

    /// Writes all of `bytes` (the socket blocks), false once the client is gone.
    private func sendAll(_ bytes: [UInt8], on connection: Socket, until deadline: Date) -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard !isStopped, Date() < deadline, let n = try? connection.send(bytes, from: offset), n > 0 else { return false }
            offset += n
        }
        return true
    }
}

extension Array where Element == UInt8 {
    fileprivate var containsHeadEnd: Bool {
        let end: [UInt8] = [13, 10, 13, 10]
        guard count >= 4 else { return false }
        return (0...(count - 4)).contains { self[$0..<($0 + 4)].elementsEqual(end) }
    }
}
