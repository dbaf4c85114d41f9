import BalanceCore
import BalanceHTTP
import BalanceSockets
import BalanceSupport
import Glibc
import Dispatch
import Foundation
import Synchronization
import XCTest

/// Helpers for live tests: real loopback sockets between a provider, the
/// production `SocketTransport` and a simulated upstream.

/// A port on 127.0.0.1 with nothing listening: bound, read, closed. A connect
/// to it is refused at once (RST), which is what an upstream that is down looks like.
package func liveClosedPort() throws -> Int {
    let socket = try Socket.tcp(family: AF_INET)
    defer { socket.close() }
    guard let any = SocketAddress(numericHost: "127.0.0.1", port: 0) else {
        throw SocketError(call: "inet_pton", code: 0, message: "127.0.0.1 did not parse")
    }
    try socket.bind(any)
    return Int(try socket.localAddress().port)
}

/// Holds handler threads of a slow upstream until the test ends (or a bound
/// passes), so "slower than the request timeout" costs no real sleep beyond
/// the client's own timeout, and no server thread outlives the test for long.
package final class LiveHold: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let released = Mutex(false)
    /// Handler threads that started waiting.
    private let arrivals = Mutex(0)

    package var arrivalCount: Int { arrivals.withLock { $0 } }

    /// Blocks until `release()` or `bound` seconds.
    package func wait(bound: Double = 5) {
        arrivals.withLock { $0 += 1 }
        if released.withLock({ $0 }) { return }
        if semaphore.wait(timeout: .now() + bound) == .success { semaphore.signal() }  // pass the wake-up on
    }

    package func release() {
        released.withLock { $0 = true }
        semaphore.signal()
    }
}

extension XCTestCase {
    /// A loopback upstream whose every answer comes only after the test ended:
    /// for the client it never answers. `arrivals`, when given, gets one value
    /// per request as it comes in. Returns the port.
    package func serveNeverAnswering(_ response: HTTPResponse = .text(200, "too late"),
                             arrivals: AsyncStream<Void>.Continuation? = nil) throws -> Int {
        let hold = LiveHold()
        let port = try serveOnLoopback { _ in
            arrivals?.yield()
            hold.wait()
            return response
        }
        // Teardown blocks run last-added first: the hold opens before the server stops.
        addTeardownBlock { hold.release() }
        return port
    }
}

/// Whether resolving a name stays on this host: true only when every
/// configured DNS server is a loopback address. An unresolvable-host test
/// would otherwise send a query off the machine, which live tests must not.
package func liveResolverIsLoopbackOnly(resolvConf: String? = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) -> Bool {
    guard let resolvConf else { return false }
    let servers = resolvConf.split(whereSeparator: \.isNewline).compactMap { line -> String? in
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2, words[0] == "nameserver" else { return nil }
        return String(words[1])
    }
    // No nameserver line: glibc falls back to 127.0.0.1.
    return servers.allSatisfy { $0.hasPrefix("127.") || $0 == "::1" }
}

extension BalanceProvider {
    /// The fetch's `ProviderError`, failing the test when the fetch succeeded.
    package func liveFailure(file: StaticString = #filePath, line: UInt = #line) async -> ProviderError? {
        do {
            let reading = try await fetchBalance()
            XCTFail("expected a failure, got \(reading)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }
}
