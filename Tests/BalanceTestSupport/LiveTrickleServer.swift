import Foundation
import Synchronization

/// A loopback upstream that answers every request with a complete status
/// line and headers at once, then sends its body in pieces, `interval`
/// apart: one byte at a time (an upstream that keeps the connection alive
/// without ever finishing), or big pieces with no pause and no declared
/// length (an endless body). A `ScriptedUpstream` script: the real
/// `HTTPServer` writes whole responses. Each connection gives up after
/// `bound` seconds, and `stop()` ends everything at the next piece.
package final class LiveTrickleServer: Sendable {
    package let port: Int
    private let upstream: ScriptedUpstream
    private let progress: Progress

    /// Body bytes written so far, over every connection.
    package var bodyBytesSent: Int { progress.bytesSent.withLock { $0 } }

    /// `body` one byte per `interval`, with its `Content-Length`.
    package convenience init(trickling body: [UInt8], interval: Double = 0.05, bound: Double = 5) throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        try self.init(head: head, pieces: body.map { [$0] }, interval: interval, bound: bound)
    }

    /// `count` pieces of `piece` bytes of JSON-ish filler as fast as the
    /// client reads, with no length: the body ends only when the connection does.
    package convenience init(endlessPieces count: Int, of piece: Int, bound: Double = 5) throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        let filler = [UInt8](repeating: 0x20, count: piece)
        try self.init(head: head, pieces: Array(repeating: filler, count: count), interval: 0, bound: bound)
    }

    /// Declares a `Content-Length` of `declaredLength`, then sends 1 KiB pieces `interval` apart.
    package convenience init(declaring declaredLength: Int, interval: Double = 0.05, bound: Double = 5) throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(declaredLength)\r\n\r\n"
        let piece = [UInt8](repeating: 0x20, count: 1024)
        try self.init(head: head, pieces: Array(repeating: piece, count: declaredLength / 1024),
                      interval: interval, bound: bound)
    }

    private init(head: String, pieces: [[UInt8]], interval: Double, bound: Double) throws {
        let progress = Progress()
        upstream = try ScriptedUpstream { connection in
            let deadline = Date().addingTimeInterval(bound)
            // The request's body, if any, is irrelevant here.
            guard connection.readRequestHead(timeout: bound) != nil, connection.send(head) else { return }
            for piece in pieces {
                guard !progress.isStopped, Date() < deadline else { return }
                // The upstream's own pacing on the wire: there is no clock to inject into a socket.
                if interval > 0 { Thread.sleep(forTimeInterval: interval) }
                guard connection.send(piece) else { return }
                progress.bytesSent.withLock { $0 += piece.count }
            }
        }
        self.progress = progress
        port = upstream.port
    }

    package func stop() {
        progress.stopped.withLock { $0 = true }
        upstream.stop()
    }

    private final class Progress: Sendable {
        let stopped = Mutex(false)
        let bytesSent = Mutex(0)
        var isStopped: Bool { stopped.withLock { $0 } }
    }
}
