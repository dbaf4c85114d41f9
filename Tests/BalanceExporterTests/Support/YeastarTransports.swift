import Foundation
import Synchronization
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSupport
@testable import BalanceYeastar

/// Wraps a transport and records every exchange, so tests can read the
/// requests the client sent and the tokens the simulator issued.
final class YeastarRecordingTransport: HTTPTransport {
    struct Exchange: Sendable {
        var request: UpstreamRequest
        var response: UpstreamResponse?
    }
    private let inner: any HTTPTransport
    private let log = Mutex<[Exchange]>([])

    init(_ inner: any HTTPTransport) { self.inner = inner }

    var exchanges: [Exchange] { log.withLock { $0 } }

    func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse {
        do {
            let response = try await inner.send(request)
            log.withLock { $0.append(Exchange(request: request, response: response)) }
            return response
        } catch {
            log.withLock { $0.append(Exchange(request: request, response: nil)) }
            throw error
        }
    }

    /// Every access and refresh token seen in a token response.
    var issuedTokens: [String] {
        exchanges.compactMap { $0.response }.flatMap { response -> [String] in
            guard let result = JSONValue.parse(response.body)?["result"] else { return [] }
            return [result["token"]?.string, result["refreshToken"]?.string].compactMap { $0 }
        }
    }

    /// The refresh token of the latest token response.
    var latestRefreshToken: String? {
        exchanges.compactMap { $0.response }.reversed().lazy
            .compactMap { JSONValue.parse($0.body)?["result"]?["refreshToken"]?.string }.first
    }
}

/// Holds token requests at a gate until the test opens it, so concurrent
/// fetches are all waiting for a token at the same time.
final class YeastarGatedTransport: HTTPTransport {
    private struct State {
        var open = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var arrivals = 0
    }
    private let inner: any HTTPTransport
    private let state = Mutex(State())

    init(_ inner: any HTTPTransport) { self.inner = inner }

    /// Token requests that reached the gate.
    var arrivals: Int { state.withLock { $0.arrivals } }

    func open() {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse {
        if request.url.path == YeastarAPI.tokenPath {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let passNow = state.withLock { s -> Bool in
                    s.arrivals += 1
                    if s.open { return true }
                    s.waiting.append(continuation)
                    return false
                }
                if passNow { continuation.resume() }
            }
        }
        return try await inner.send(request)
    }
}

/// A transport whose every request fails the same way.
struct YeastarFailingTransport: HTTPTransport {
    let error: TransportError
    func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse { throw error }
}

/// Collects log lines.
final class YeastarLogSink: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func logger(clock: any WallClock) -> Logger {
        Logger(level: .debug, clock: clock, sink: { line in self.lines.withLock { $0.append(line) } })
    }
}

/// A reference cell for a value captured by a setup closure.
final class YeastarBox<Value>: @unchecked Sendable {
    var value: Value?
}
