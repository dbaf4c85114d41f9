import Foundation
import Synchronization
import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import BalanceTencentCloud

/// Routes requests to in-process handlers by their `Host` header.
package struct TencentHostRouter: HTTPHandler {
    package let routes: [String: any HTTPHandler]
    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard let host = request.headers["Host"], let handler = routes[host] else { return .text(421, "no such host") }
        return handler.handle(request)
    }
}

/// A Tencent Cloud world on loopback addresses, in process: billing, STS and
/// CVM metadata simulators sharing one test clock.
package final class TencentTestRig: Sendable {
    package static let billingHost = "127.0.0.1:9001"
    package static let stsHost = "127.0.0.1:9002"
    package static let metadataHost = "127.0.0.1:9003"
    package static let secretId = "AKIDrigPermanent"
    package static let secretKey = "rig-permanent-SECRET-key"
    package static let roleArn = "qcs::cam::uin/100000000001:roleName/balance-reader"

    package let clock: TestClock
    package let billing: TencentCloudSimulator
    package let sts: TencentSTSSimulator
    package let metadata: TencentMetadataSimulator
    package let transport: RecordingTransport

    package init(clock: TestClock = TestClock(), metadataRole: String? = "cvm-balance-role") {
        self.clock = clock
        billing = TencentCloudSimulator(clock: clock)
        sts = TencentSTSSimulator(clock: clock, billing: billing)
        metadata = TencentMetadataSimulator(clock: clock, billing: billing, roleName: metadataRole, account: "main", lifetime: 7200)
        transport = RecordingTransport(HandlerTransport(handler: TencentHostRouter(routes: [
            Self.billingHost: billing, Self.stsHost: sts, Self.metadataHost: metadata,
        ])))
        billing.setAccount("main", Self.fullAccount)
        billing.addCredential(secretId: Self.secretId, secretKey: Self.secretKey, account: "main")
        sts.addCaller(secretId: Self.secretId, secretKey: Self.secretKey)
        sts.addRole(arn: Self.roleArn, account: "main")
    }

    package static let fullAccount = SimulatedTencentAccount(
        uin: .number(100000000001), balance: 123456789, realBalance: 123456700, cashAccountBalance: 123456700,
        incomeIntoAccountBalance: 0, presentAccountBalance: 50, freezeAmount: 1999, oweAmount: 0,
        isAllowArrears: true, isCreditLimited: false, creditAmount: 1000000, creditBalance: 999999,
        realCreditBalance: 999998, tempCredit: 150000,
        tempAmounts: [.init(uin: "100000000001", amountCents: 150000, startTime: "2026-11-16 00:00:00", endTime: "2026-12-16 23:59:59")])

    /// Permanent keys of the rig, to merge into `values`.
    package static let keys: [String: ConfigValue] = ["secret_id": .string(secretId), "secret_key": .string(secretKey)]

    package func account(_ values: [String: ConfigValue], endpoint: String = "http://\(TencentTestRig.billingHost)") -> AccountConfig {
        var all: [String: ConfigValue] = [
            "sts_endpoint": .string("http://\(Self.stsHost)"),
            "metadata_endpoint": .string("http://\(Self.metadataHost)"),
        ]
        all.merge(values) { $1 }
        return AccountConfig(name: "tencent-test", provider: "tencentcloud", endpoint: endpoint, refreshInterval: 60, values: all)
    }

    /// A client of the rig. Hermetic: the environment is only `environment`, and
    /// profile files exist only in `files`.
    package func client(_ values: [String: ConfigValue], environment: [String: String] = [:], files: [String: String] = [:],
                clock: (any WallClock)? = nil) throws -> TencentCloudClient {
        let context = ProviderContext(transport: transport, clock: clock ?? self.clock, logger: .discard,
                                      environment: environment, userAgent: "balance_exporter/test")
        return try TencentCloud.makeClient(account: account(values), context: context, readFile: { files[$0] })
    }
}

extension BalanceProvider {
    /// The fetch's error, or nil when it succeeded.
    package func tencentFetchError() async -> ProviderError? {
        do { _ = try await fetchBalance(); return nil } catch { return error }
    }
}
