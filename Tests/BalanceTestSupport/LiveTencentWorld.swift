import Foundation
import XCTest
import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import BalanceTencentCloud

/// Tencent Cloud's billing, STS and CVM metadata simulators, each served by
/// the real `HTTPServer` on its own ephemeral 127.0.0.1 port, sharing one
/// test clock with the clients built here (the simulators check signature
/// timestamps against it). Servers stop when the test ends.
package struct LiveTencentWorld {
    package static let secretId = "AKIDlivePermanent"
    package static let secretKey = "live-permanent-SECRET-key-7f3a"
    package static let roleArn = "qcs::cam::uin/100000000001:roleName/live-reader"
    package static let instanceRole = "live-cvm-role"

    /// Every documented field present, amounts in cents; `Uin` as a number.
    package static let fullAccount = SimulatedTencentAccount(
        uin: .number(100000000001), balance: 123456789, realBalance: 123456700, cashAccountBalance: 123456600,
        incomeIntoAccountBalance: 12, presentAccountBalance: 50, freezeAmount: 1999, oweAmount: 7,
        isAllowArrears: true, isCreditLimited: false, creditAmount: 1000000, creditBalance: 999999,
        realCreditBalance: 999998, tempCredit: 150000,
        tempAmounts: [.init(uin: "100000000001", amountCents: 150000, startTime: "2026-11-16 00:00:00", endTime: "2026-12-16 23:59:59")])

    package let clock: TestClock
    package let billing: TencentCloudSimulator
    package let sts: TencentSTSSimulator
    package let metadata: TencentMetadataSimulator
    package let billingPort: Int
    package let stsPort: Int
    package let metadataPort: Int

    package init(_ test: XCTestCase, clock: TestClock = TestClock()) throws {
        self.clock = clock
        billing = TencentCloudSimulator(clock: clock)
        sts = TencentSTSSimulator(clock: clock, billing: billing)
        metadata = TencentMetadataSimulator(clock: clock, billing: billing, roleName: Self.instanceRole, account: "main", lifetime: 7200)
        billing.setAccount("main", Self.fullAccount)
        billing.addCredential(secretId: Self.secretId, secretKey: Self.secretKey, account: "main")
        sts.addCaller(secretId: Self.secretId, secretKey: Self.secretKey)
        sts.addRole(arn: Self.roleArn, account: "main")
        billingPort = try test.serveOnLoopback(billing)
        stsPort = try test.serveOnLoopback(sts)
        metadataPort = try test.serveOnLoopback(metadata)
    }

    package var billingEndpoint: String { "http://127.0.0.1:\(billingPort)" }

    /// An account reading `endpoint` (default: the billing simulator) with
    /// the permanent keys unless `values` says otherwise; `nil` values remove a key.
    package func account(_ values: [String: ConfigValue?] = [:], endpoint: String? = nil, timeout: Double = 2) -> AccountConfig {
        var all: [String: ConfigValue] = [
            "secret_id": .string(Self.secretId), "secret_key": .string(Self.secretKey),
            "sts_endpoint": .string("http://127.0.0.1:\(stsPort)"),
            "metadata_endpoint": .string("http://127.0.0.1:\(metadataPort)"),
            "request_timeout": .duration(timeout),
        ]
        for (key, value) in values { all[key] = value }
        return AccountConfig(name: "tencent-live", provider: "tencentcloud", endpoint: endpoint ?? billingEndpoint,
                             refreshInterval: 60, values: all)
    }

    /// A client over real sockets through the production transport. Hermetic:
    /// no environment, and no profile file exists.
    package func client(_ account: AccountConfig, logger: Logger = .discard,
                transport: any HTTPTransport = SocketTransport()) throws -> any BalanceProvider {
        let context = ProviderContext(transport: transport, clock: clock, logger: logger, environment: [:],
                                      userAgent: "balance_exporter/live-test")
        return try TencentCloud.makeClient(account: account, context: context, readFile: { _ in nil })
    }
}
