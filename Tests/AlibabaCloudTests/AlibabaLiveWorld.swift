import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// The Alibaba Cloud gateway simulator (BSS and STS in one) and the ECS
/// metadata simulator, each served by the real `HTTPServer` on its own
/// ephemeral 127.0.0.1 port, sharing one test clock with the clients built
/// here. Servers stop when the test ends.
struct AlibabaLiveWorld {
    static let uid = "1968132000120001"
    static let keyID = "LTAI5tLiveKey0001"
    static let secret = "live-SECRET-ali-9c2b"
    static let roleArn = "acs:ram::1968132000120099:role/balance-reader"
    static let roleAccount = "1968132000120099"
    static let instanceRole = "EcsBalanceRole"
    /// Every field, with a thousands separator and a negative amount.
    static let fullAccount = AlibabaSimulatorAccount(
        availableAmount: "-1,234.56", availableCashAmount: "12,345,678.90", creditAmount: "5000.00", mybankCreditAmount: "0.00",
        quotaLimit: "10,000.01", currency: "USD")

    let clock: TestClock
    let gateway: AlibabaSimulator
    let metadata: AlibabaSimulatorMetadata
    let gatewayPort: Int
    let metadataPort: Int

    init(_ test: XCTestCase, clock: TestClock = TestClock(), requestsPerSecond: Int = 10, site: AlibabaSimulatorSite = .china) throws {
        self.clock = clock
        gateway = AlibabaSimulator(clock: clock, site: site, requestsPerSecond: requestsPerSecond)
        gateway.setAccount(Self.uid, Self.fullAccount)
        gateway.setAccount(Self.roleAccount, AlibabaSimulatorAccount(availableAmount: "77.70", currency: "CNY"))
        gateway.addKey(id: Self.keyID, secret: Self.secret, account: Self.uid)
        gateway.addRole(arn: Self.roleArn, account: Self.roleAccount)
        metadata = AlibabaSimulatorMetadata(clock: clock, gateway: gateway, roleName: Self.instanceRole, account: Self.uid, lifetime: 7200)
        gatewayPort = try test.serveOnLoopback(gateway)
        metadataPort = try test.serveOnLoopback(metadata)
    }

    var endpoint: String { "http://127.0.0.1:\(gatewayPort)" }

    /// An account reading the simulator with the permanent key unless
    /// `values` says otherwise; `nil` values remove a key.
    func account(_ values: [String: ConfigValue?] = [:], name: String = "ali-live", endpoint: String? = nil,
                 uin: String? = nil) -> AccountConfig {
        var all: [String: ConfigValue] = [
            "access_key_id": .string(Self.keyID), "access_key_secret": .string(Self.secret),
            "sts_endpoint": .string(self.endpoint),
            "metadata_endpoint": .string("http://127.0.0.1:\(metadataPort)"),
            "request_timeout": .duration(2),
        ]
        for (key, value) in values { all[key] = value }
        return AccountConfig(name: name, provider: AlibabaCloud.providerName, endpoint: endpoint ?? self.endpoint, uin: uin,
                             refreshInterval: 60, values: all)
    }

    /// A client over real sockets through the production transport;
    /// hermetic: `environment` only, files read only through `readFile`.
    func client(_ account: AccountConfig, environment: [String: String] = [:], logger: Logger = .discard,
                readFile: @escaping @Sendable (String) -> String? = { _ in nil }) throws -> AlibabaCloudClient {
        let context = ProviderContext(transport: SocketTransport(), clock: clock, logger: logger, environment: environment,
                                      userAgent: "balance_exporter/live-test")
        return try AlibabaCloud.makeClient(account: account, context: context, readFile: readFile)
    }

    func actions() -> [String] { gateway.requests.map { $0.headers["x-acs-action"] ?? "" } }
}
