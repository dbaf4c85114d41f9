import BalanceHTTP
import BalanceSockets
import Glibc
import Dispatch
import Foundation

/// A response as a test client read it off the wire.
package struct RawHTTPResponse: Sendable {
    package var status: Int
    /// Names as sent, in order.
    package var headers: HTTPHeaders
    package var body: [UInt8]

    package var text: String { String(decoding: body, as: UTF8.self) }
}

package enum RawHTTPError: Error, CustomStringConvertible {
    case timeout
    /// The server closed the connection; `received` is what came before.
    case closed(received: Int)
    case malformed(String)
    case socket(SocketError)

    package var description: String {
        switch self {
        case .timeout: return "timed out"
        case .closed(let received): return "connection closed after \(received) bytes"
        case .malformed(let detail): return "malformed response: \(detail)"
        case .socket(let error): return error.description
        }
    }
}

/// One-shot requests for live tests. Each opens a connection, sends the
/// request with `Connection: close`, reads the whole answer and closes.
package enum RawHTTPClient {
    package static func get(port: Int, path: String, headers: [(String, String)] = [], host: String = "127.0.0.1",
                    timeout: Double = 5) throws -> RawHTTPResponse {
        try request(port: port, method: "GET", path: path, headers: headers, host: host, timeout: timeout)
    }

    package static func request(port: Int, method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = [],
                        host: String = "127.0.0.1", timeout: Double = 5) throws -> RawHTTPResponse {
        let connection = try RawHTTPConnection(port: port, host: host, timeout: timeout)
        defer { connection.close() }
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        try connection.send(wire(method: method, path: path,
                                 headers: [("Host", hostHeader)] + headers + [("Connection", "close")], body: body))
        return try connection.readResponse(method: method)
    }

    /// A request in wire form. `Content-Length` is added when there is a body.
    package static func wire(method: String = "GET", path: String, version: String = "HTTP/1.1",
                     headers: [(String, String)] = [("Host", "test")], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(path) \(version)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}

/// A blocking test client over one raw TCP connection: send any bytes, read
/// responses (honouring Content-Length, or up to the close), observe the
/// close. Every read waits at most `timeout` seconds. Use from one thread.
package final class RawHTTPConnection {
    package let socket: Socket
    package let timeout: Double
    private var buffer: [UInt8] = []
    private var closed = false

    /// `source`: the local address to connect from (`127.0.0.2`: a second
    /// peer, since all of 127.0.0.0/8 is loopback); nil lets the kernel pick.
    package init(port: Int, host: String = "127.0.0.1", source: String? = nil, timeout: Double = 5) throws {
        guard let address = SocketAddress(numericHost: host, port: UInt16(port)) else {
            throw RawHTTPError.malformed("not a numeric host: \(host)")
        }
        let local = source.flatMap { SocketAddress(numericHost: $0, port: 0) }
        guard (local == nil) == (source == nil) else { throw RawHTTPError.malformed("not a numeric host: \(source ?? "")") }
        do {
            socket = try Socket.tcp(family: address.family)
        } catch {
            throw RawHTTPError.socket(error)
        }
        self.timeout = timeout
        do {
            if let local { try socket.bind(local) }
            try socket.connect(address)
            try socket.setNonBlocking()  // every wait is a poll with the timeout
        } catch {
            socket.close()
            throw RawHTTPError.socket(error)
        }
    }

    deinit { close() }

    package func send(_ text: String) throws { try send(Array(text.utf8)) }

    package func send(_ bytes: [UInt8]) throws {
        var offset = 0
        let deadline = Self.now() + timeout
        while offset < bytes.count {
            let sent: Int
            do throws(SocketError) {
                sent = try socket.send(bytes, from: offset)
                if sent == 0 { _ = try Socket.poll([socket], events: Socket.writable, timeout: 0.05) }
            } catch {
                throw RawHTTPError.socket(error)
            }
            offset += sent
            if sent == 0 && Self.now() >= deadline { throw RawHTTPError.timeout }
        }
    }

    /// Reads one response. `method` HEAD: no body follows the head whatever
    /// Content-Length says. Without Content-Length the body runs to the close.
    package func readResponse(method: String = "GET") throws -> RawHTTPResponse {
        let deadline = Self.now() + timeout
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find([13, 10, 13, 10], in: buffer).map { $0 + 4 }
            if headEnd == nil {
                guard try fill(until: deadline) else { throw RawHTTPError.closed(received: buffer.count) }
            }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw RawHTTPError.malformed("empty head") }
        let statusParts = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw RawHTTPError.malformed("status line")
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw RawHTTPError.malformed("header \(line)") }
            headers.append(String(line[..<colon]), line[line.index(after: colon)...].trimmingLeadingSpaces())
        }
        buffer.removeFirst(headEnd!)
        var response = RawHTTPResponse(status: status, headers: headers, body: [])
        let noBody = method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status)
        if noBody { return response }
        if let lengthText = response.headers["Content-Length"] {
            guard let length = Int(lengthText) else { throw RawHTTPError.malformed("Content-Length") }
            while buffer.count < length {
                guard try fill(until: deadline) else { throw RawHTTPError.closed(received: buffer.count) }
            }
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else {
            response.body = try readUntilClose()
        }
        return response
    }

    /// Everything up to the server's close.
    package func readUntilClose() throws -> [UInt8] {
        let deadline = Self.now() + timeout
        while try fill(until: deadline) {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// True when the server closes (EOF or reset) within `seconds` without
    /// sending anything more; false if it stays open or sends data.
    package func waitForClose(within seconds: Double) -> Bool {
        let deadline = Self.now() + seconds
        let before = buffer.count
        do {
            while try fill(until: deadline) {
                if buffer.count > before { return false }
            }
            return true
        } catch RawHTTPError.socket {
            return true  // reset counts as closed
        } catch {
            return false
        }
    }

    /// Closes with a reset, as a client that crashed or gave up mid-answer does.
    package func reset() {
        socket.resetOnClose()
        close()
    }

    package func close() {
        guard !closed else { return }
        closed = true
        socket.close()
    }

    /// Reads more bytes; false at end of stream. Throws on timeout or reset.
    private func fill(until deadline: Double) throws -> Bool {
        while true {
            let remaining = deadline - Self.now()
            guard remaining > 0 else { throw RawHTTPError.timeout }
            let received: Int?
            do throws(SocketError) {
                let ready = try Socket.poll([socket], events: Socket.readable, timeout: remaining)
                received = ready[0] != 0 ? try socket.receive(appendingTo: &buffer) : nil
            } catch {
                throw RawHTTPError.socket(error)
            }
            if let received { return received > 0 }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    package static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000_000 }
}

extension Substring {
    fileprivate func trimmingLeadingSpaces() -> String { String(drop(while: { $0 == " " || $0 == "\t" })) }
}

extension Socket {
    /// SO_LINGER 0: `close()` then sends a reset instead of a FIN, as a peer
    /// that crashed does (test clients and scripted upstreams use it).
    package func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }
}
