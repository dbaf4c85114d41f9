import Foundation
import Synchronization
import XCTest
import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceYeastar

/// The Yeastar simulator served by the real `HTTPServer` on an ephemeral
/// 127.0.0.1 port, and clients that reach it through the production
/// `SocketTransport`. Simulator and clients share one test clock, so
/// token lifetimes pass when the test advances it. Each endpoint can be made
/// to never answer (`slowPaths`), for timeouts. The server stops when the test ends.
package final class LiveYeastarWorld: Sendable {
    package static let clientID = "live-partner-client"
    /// Characters that must be percent-encoded in a form body.
    package static let clientSecret = "live+S3cr/t=&Q z%"
    package static let userID: Int64 = 555_000_111

    package let clock: TestClock
    package let simulator: YeastarSimulator
    package let port: Int
    /// Records every exchange, so tests can read the tokens the simulator issued.
    package let transport: RecordingTransport
    package let logs = LogCapture()
    private let slow = SlowPaths()

    package init(_ test: XCTestCase, tokenLifetime: Double = 5, balance: Double = 321.5) throws {
        let clock = TestClock()
        let simulator = YeastarSimulator(clock: clock, options: .init(tokenLifetime: tokenLifetime))
        simulator.addClient(id: Self.clientID, secret: Self.clientSecret, userID: Self.userID, balance: balance)
        self.clock = clock
        self.simulator = simulator
        transport = RecordingTransport(SocketTransport())
        let hold = LiveHold()
        let slow = self.slow
        port = try test.serveOnLoopback { request in
            if slow.paths.withLock({ $0.contains(request.path) }) { hold.wait() }
            return simulator.handle(request)
        }
        test.addTeardownBlock { hold.release() }
    }

    package var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Requests to these paths are answered only after the test ends.
    package func setSlow(_ paths: Set<String>) {
        slow.paths.withLock { $0 = paths }
    }

    package func account(endpoint: String? = nil, timeout: Double = 2) -> AccountConfig {
        AccountConfig(name: "yeastar-live", provider: "yeastar", endpoint: endpoint ?? self.endpoint, refreshInterval: 60,
                      values: ["client_id": .string(Self.clientID), "client_secret": .string(Self.clientSecret),
                               "request_timeout": .duration(timeout)])
    }

    /// A client built the way the engine builds it: through the schema.
    package func client(endpoint: String? = nil, timeout: Double = 2) throws -> any BalanceProvider {
        let context = ProviderContext(transport: transport, clock: clock, logger: logs.logger(clock: clock),
                                      environment: [:], userAgent: "balance_exporter/live-test")
        return try Yeastar.schema.make(account(endpoint: endpoint, timeout: timeout), context)
    }

    /// Every access and refresh token issued so far (from the recorded
    /// responses), with the signature segment of each JWT alone.
    package var issuedSecrets: [String] {
        transport.issuedTokens.flatMap { token in [token] + token.split(separator: ".").dropFirst(2).map(String.init) }
    }

    private final class SlowPaths: Sendable {
        let paths = Mutex<Set<String>>([])
    }
}
