import BalanceSockets
import BalanceSupport
import Synchronization

/// The production transport: HTTP/1.1 over POSIX sockets, TLS through the
/// system OpenSSL. One connection per request (`Connection: close`), no
/// pooling: an exporter sends a few requests per refresh interval, and a
/// fresh connection cannot carry state from a previous exchange. We wrote it
/// instead of using URLSession because FoundationNetworking brings libcurl and
/// all of its dependencies into memory (~23 MB of the idle RSS).
///
/// Contract, as the providers rely on it:
/// - `timeout` is a deadline over the whole exchange (resolve,
///   connect, TLS handshake, write, read): past it, `.timeout`, even while
///   an upstream keeps trickling bytes;
/// - a body over `maxBodyBytes` is `.bodyTooLarge` without buffering more
///   than the cap (a declared `Content-Length` over it is refused at once);
/// - cancelling the calling task ends the exchange at once with `.cancelled`;
/// - failures are `.network` with fixed texts ("connection refused", "host
///   not found", "connection lost", "TLS handshake failed...", "bad server
///   response") that never contain the URL or a header value;
/// - response header names are lower-cased; redirects are returned as they
///   are, not followed; proxies (`HTTPS_PROXY`...) are not supported.
///
/// Each exchange runs its blocking socket calls on a thread of its own, never
/// on the Swift concurrency pool.
package final class SocketTransport: HTTPTransport {
    /// Bodies larger than this are refused: an upstream cannot exhaust memory.
    package let maxBodyBytes: Int
    /// A PEM bundle trusted instead of the system's default verify paths (tests).
    package let caFile: String?
    /// Created on the first https request, then shared by all of them.
    private let tls = Mutex<TLSContext?>(nil)

    package init(maxBodyBytes: Int = 1 << 20, caFile: String? = nil) {
        self.maxBodyBytes = maxBodyBytes
        self.caFile = caFile
    }

    package func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
        let deadline = Deadline(secondsFromNow: timeout)
        let exchange = PendingExchange()
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<PendingExchange.Outcome, Never>) in
                guard exchange.wait(with: continuation) else { return }
                exchange.finish(at: deadline)
                let started = DetachedThread.start { [self] in
                    exchange.finish(perform(request, to: url, until: deadline, registeringWith: exchange))
                }
                if !started { exchange.finish(.failure(.network("no thread available"))) }
            }
        } onCancel: {
            exchange.finish(.failure(.cancelled))
        }
        return try outcome.get()
    }

    // MARK: On the exchange's own thread

    /// The whole exchange, blocking (bounded by `deadline`).
    private func perform(_ request: HTTPRequest, to url: HTTPURL, until deadline: Deadline,
                         registeringWith exchange: PendingExchange) -> PendingExchange.Outcome {
        do throws(TransportError) {
            let wire = try HTTPRequestWriter.encode(request, to: url)
            let context = url.secure ? try tlsContext() : nil
            let addresses = try UpstreamSocket.resolve(url.host, port: url.effectivePort)
            let socket = try connect(addresses, until: deadline, registeringWith: exchange)
            defer {
                exchange.unregister()
                socket.socket.close()
            }
            var reader = HTTPResponseReader(maxBodyBytes: maxBodyBytes, bodyExpected: request.method != "HEAD")
            guard let context else {
                return .success(try Self.converse(over: socket, sending: wire, into: &reader, until: deadline))
            }
            let connection = try TLSConnection(over: socket, context: context, host: url.host, until: deadline)
            let response = try Self.converse(over: connection, sending: wire, into: &reader, until: deadline)
            connection.closeNotify()
            return .success(response)
        } catch {
            return .failure(error)
        }
    }

    /// Tries each address in turn (an IPv6 name whose v6 route is down
    /// still reaches its v4 address); the last failure if none connects.
    private func connect(_ addresses: [SocketAddress], until deadline: Deadline,
                         registeringWith exchange: PendingExchange) throws(TransportError) -> UpstreamSocket {
        var failure = TransportError.network("connection failed")
        for address in addresses {
            let socket = try UpstreamSocket.open(for: address, register: exchange.register)
            do throws(TransportError) {
                try socket.connect(to: address, until: deadline)
                return socket
            } catch {
                exchange.unregister()
                socket.socket.close()
                failure = error
                if error == .timeout || error == .cancelled || exchange.isFinished { break }
            }
        }
        throw failure
    }

    /// Writes the request in one send loop, then reads until the response is
    /// complete or the stream ends.
    static func converse(over stream: some UpstreamStream, sending wire: [UInt8], into reader: inout HTTPResponseReader,
                          until deadline: Deadline) throws(TransportError) -> HTTPResponse {
        try stream.send(wire, until: deadline)
        var received: [UInt8] = []
        received.reserveCapacity(16_384)
        while true {
            received.removeAll(keepingCapacity: true)
            guard try stream.receive(appendingTo: &received, until: deadline) else { return try reader.finish() }
            if let response = try reader.feed(received) { return response }
        }
    }

    /// The transport's one `SSL_CTX`, made on first use under the lock (so
    /// once); a failure is not kept, the next https request tries again.
    private func tlsContext() throws(TransportError) -> TLSContext {
        try tls.withLock { (context: inout TLSContext?) throws(TransportError) -> TLSContext in
            if let context { return context }
            let made = try TLSContext(caFile: caFile)
            context = made
            return made
        }
    }
}
