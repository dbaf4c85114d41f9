import Foundation
import Synchronization
import BalanceHTTP
import BalanceSupport
import BalanceYeastar

extension RecordingTransport {
    /// Every access and refresh token seen in a token response.
    package var issuedTokens: [String] {
        exchanges.compactMap { $0.response }.flatMap { response -> [String] in
            guard let result = JSONValue.parse(response.body)?["result"] else { return [] }
            return [result["token"]?.string, result["refreshToken"]?.string].compactMap { $0 }
        }
    }

    /// The refresh token of the latest token response.
    package var latestRefreshToken: String? {
        exchanges.compactMap { $0.response }.reversed().lazy
            .compactMap { JSONValue.parse($0.body)?["result"]?["refreshToken"]?.string }.first
    }
}

/// Holds token requests at a gate until the test opens it, so concurrent
/// fetches are all waiting for a token at the same time.
package final class YeastarGatedTransport: HTTPTransport {
    private struct State {
        var open = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var arrivals = 0
    }
    private let inner: any HTTPTransport
    private let state = Mutex(State())

    package init(_ inner: any HTTPTransport) { self.inner = inner }

    /// Token requests that reached the gate.
    package var arrivals: Int { state.withLock { $0.arrivals } }

    package func open() {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    package func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
        if url.path == YeastarAPI.tokenPath {
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
        return try await inner.send(request, to: url, timeout: timeout)
    }
}

/// A transport whose every request fails the same way.
package struct YeastarFailingTransport: HTTPTransport {
    package let error: TransportError
    package init(error: TransportError) { self.error = error }
    package func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
        throw error
    }
}

/// A reference cell for a value captured by a setup closure.
package final class YeastarBox<Value>: @unchecked Sendable {
    package var value: Value?
    package init(value: Value? = nil) { self.value = value }
}
