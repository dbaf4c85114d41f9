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
///   are, not followed;
/// - through an HTTP proxy (`proxy` and `proxyEnvironment`, as
///   `ProxySelection` picks it): `http` upstreams in absolute form, `https`
///   ones through `CONNECT host:port`, then TLS end to end with the
///   upstream's own certificate and name checks; the proxy URL's
///   credentials as `Proxy-Authorization`; a `407` is `.proxy`, a proxy
///   that cannot be reached or answers `CONNECT` otherwise `.network`;
/// - a failed TLS handshake is `.tls`.
///
/// Each exchange runs its blocking socket calls on a thread of its own, never
/// on the Swift concurrency pool.
package final class SocketTransport: HTTPTransport {
    /// Bodies larger than this are refused: an upstream cannot exhaust memory.
    package let maxBodyBytes: Int
    /// A PEM bundle trusted instead of the system's default verify paths (tests).
    package let caFile: String?
    /// The configuration's `proxy_url` (or none: the environment decides).
    package let proxy: ProxySetting
    package let proxyEnvironment: ProxyEnvironment
    /// Created on the first https request, then shared by all of them.
    private let tls = Mutex<TLSContext?>(nil)

    package init(maxBodyBytes: Int = 1 << 20, caFile: String? = nil, proxy: ProxySetting = .environment,
                 proxyEnvironment: ProxyEnvironment = ProxyEnvironment()) {
        self.maxBodyBytes = maxBodyBytes
        self.caFile = caFile
        self.proxy = proxy
        self.proxyEnvironment = proxyEnvironment
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
            let proxy = ProxySelection.proxy(for: url, setting: proxy, environment: proxyEnvironment)
            let wire = try HTTPRequestWriter.encode(request, to: url, through: url.secure ? nil : proxy)
            let context = url.secure ? try tlsContext() : nil
            let socket: UpstreamSocket
            if let proxy {
                socket = try Self.proxyFailure { () throws(TransportError) in
                    try connect(try UpstreamSocket.resolve(proxy.host, port: proxy.port), until: deadline, registeringWith: exchange)
                }
            } else {
                socket = try connect(try UpstreamSocket.resolve(url.host, port: url.effectivePort), until: deadline, registeringWith: exchange)
            }
            defer {
                exchange.unregister()
                socket.socket.close()
            }
            var reader = HTTPResponseReader(maxBodyBytes: maxBodyBytes, bodyExpected: request.method != "HEAD")
            guard let context else {
                let response = try Self.converse(over: socket, sending: wire, into: &reader, until: deadline)
                if proxy != nil, response.status == 407 { throw Self.proxyRefusal(407) }
                return .success(response)
            }
            if let proxy { try Self.tunnel(over: socket, to: url, through: proxy, until: deadline) }
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

    /// `CONNECT host:port` (RFC 9110 §9.3.6): a 2xx answer makes the
    /// connection a tunnel to the upstream; its head is all the proxy sends
    /// before we speak again. A CONNECT is addressed to the proxy alone, so
    /// a `401` to it refuses the proxy credentials as a `407` does (tinyproxy
    /// 1.11 answers a CONNECT with wrong credentials so).
    private static func tunnel(over socket: UpstreamSocket, to url: HTTPURL, through proxy: ProxyURL,
                               until deadline: Deadline) throws(TransportError) {
        let authority = "\(url.bracketedHost):\(url.effectivePort)"
        var head = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let credentials = proxy.proxyAuthorization { head += "Proxy-Authorization: \(credentials)\r\n" }
        head += "\r\n"
        var reader = HTTPResponseReader(maxBodyBytes: 1 << 16, bodyExpected: false)
        let answer = try proxyFailure { () throws(TransportError) in try converse(over: socket, sending: Array(head.utf8), into: &reader, until: deadline) }
        switch answer.status {
        case 200..<300: return
        case 401, 407: throw proxyRefusal(answer.status)
        default: throw .network("proxy answered CONNECT with HTTP \(answer.status)")
        }
    }

    static func proxyRefusal(_ status: Int) -> TransportError {
        .proxy("the proxy refused the proxy credentials (HTTP \(status))")
    }

    /// Failures on the way to the proxy, named as the proxy's.
    private static func proxyFailure<T>(_ body: () throws(TransportError) -> T) throws(TransportError) -> T {
        do {
            return try body()
        } catch {
            guard case .network(let detail) = error else { throw error }
            throw .network("proxy: \(detail)")
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
