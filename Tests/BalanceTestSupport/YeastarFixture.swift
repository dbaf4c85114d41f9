import Foundation
import XCTest
import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import BalanceYeastar

/// A Yeastar client wired to a simulator through an in-process transport,
/// on a test clock. Token lifetime 10 s unless told: refresh from 8 s on.
package struct YeastarFixture {
    package static let clientID = "partner-client-1"
    /// Characters that must be percent-encoded in a form body.
    package static let clientSecret = "s3cr+t/=&x y%Z"
    package static let userID: Int64 = 987_654_321
    package static let endpoint = "http://127.0.0.1:18443"

    package let clock: TestClock
    package let simulator: YeastarSimulator
    package let transport: RecordingTransport
    package let logs = LogCapture()

    package init(options: YeastarSimulator.Options = YeastarSimulator.Options(tokenLifetime: 10), balance: Double = 675.24,
         wrap: (any HTTPTransport) -> any HTTPTransport = { $0 }) {
        let clock = TestClock()
        let simulator = YeastarSimulator(clock: clock, options: options)
        simulator.addClient(id: Self.clientID, secret: Self.clientSecret, userID: Self.userID, balance: balance)
        self.clock = clock
        self.simulator = simulator
        self.transport = RecordingTransport(wrap(HandlerTransport(handler: simulator)))
    }

    package func account(secret: String = clientSecret, values: [String: ConfigValue] = [:]) -> AccountConfig {
        var all: [String: ConfigValue] = ["client_id": .string(Self.clientID), "client_secret": .string(secret)]
        all.merge(values) { $1 }
        return AccountConfig(name: "yeastar-test", provider: "yeastar", endpoint: Self.endpoint, refreshInterval: 60, values: all)
    }

    /// The user agent the fixture's context gives its clients.
    package static let userAgent = "balance_exporter/test"

    package func context(transport: (any HTTPTransport)? = nil) -> ProviderContext {
        ProviderContext(transport: transport ?? self.transport, clock: clock, logger: logs.logger(clock: clock),
                        environment: [:], userAgent: Self.userAgent)
    }

    package func makeClient(secret: String = clientSecret, transport: (any HTTPTransport)? = nil) throws -> YeastarClient {
        try Yeastar.makeClient(account(secret: secret), context(transport: transport))
    }

    /// Fetches and returns the error, failing the test on success.
    package func failure(_ client: YeastarClient, file: StaticString = #filePath, line: UInt = #line) async -> ProviderError? {
        do {
            let reading = try await client.fetchBalance()
            XCTFail("expected a failure, got \(reading)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    /// Asserts that no credential (client secret, raw or form-encoded; any
    /// token or refresh token issued so far, or a JWT segment of one) is in
    /// the error or in any log line.
    package func assertNoSecrets(in error: ProviderError?, tokensIssued: Bool = true, secret: String = clientSecret,
                         file: StaticString = #filePath, line: UInt = #line) {
        var secrets = [secret, FormCoding.escape(secret)]
        for token in transport.issuedTokens {
            secrets.append(token)
            secrets += token.split(separator: ".").dropFirst(2).map(String.init)
        }
        if tokensIssued { XCTAssertGreaterThan(secrets.count, 2, "no token was issued: the check would be vacuous for tokens", file: file, line: line) }
        var texts = logs.all
        if let error { texts += [error.message, error.code ?? "", error.requestID ?? "", error.description] }
        for text in texts {
            for secret in secrets where text.contains(secret) {
                XCTFail("a credential leaked: \(text)", file: file, line: line)
            }
        }
    }
}
