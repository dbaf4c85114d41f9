import Foundation
import Synchronization
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceTencentCloud

/// Routes requests to in-process handlers by their `Host` header.
struct TencentHostRouter: HTTPHandler {
    let routes: [String: any HTTPHandler]
    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard let host = request.header("Host"), let handler = routes[host] else { return .text(421, "no such host") }
        return handler.handle(request)
    }
}

/// Records every upstream request (timeouts, headers as sent) before handing it on.
final class TencentRecordingTransport: HTTPTransport {
    let inner: any HTTPTransport
    private let recorded = Mutex<[UpstreamRequest]>([])
    init(_ inner: any HTTPTransport) { self.inner = inner }
    var requests: [UpstreamRequest] { recorded.withLock { $0 } }
    func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse {
        recorded.withLock { $0.append(request) }
        return try await inner.send(request)
    }
}

/// A Tencent Cloud world on loopback addresses, in process: billing, STS and
/// CVM metadata simulators sharing one test clock.
final class TencentTestRig: Sendable {
    static let billingHost = "127.0.0.1:9001"
    static let stsHost = "127.0.0.1:9002"
    static let metadataHost = "127.0.0.1:9003"
    static let secretId = "AKIDrigPermanent"
    static let secretKey = "rig-permanent-SECRET-key"
    static let roleArn = "qcs::cam::uin/100000000001:roleName/balance-reader"

    let clock: TestClock
    let billing: TencentCloudSimulator
    let sts: TencentSTSSimulator
    let metadata: TencentMetadataSimulator
    let transport: TencentRecordingTransport

    init(clock: TestClock = TestClock(), metadataRole: String? = "cvm-balance-role") {
        self.clock = clock
        billing = TencentCloudSimulator(clock: clock)
        sts = TencentSTSSimulator(clock: clock, billing: billing)
        metadata = TencentMetadataSimulator(clock: clock, billing: billing, roleName: metadataRole, account: "main", lifetime: 7200)
        transport = TencentRecordingTransport(HandlerTransport(handler: TencentHostRouter(routes: [
            Self.billingHost: billing, Self.stsHost: sts, Self.metadataHost: metadata,
        ])))
        billing.setAccount("main", Self.fullAccount)
        billing.addCredential(secretId: Self.secretId, secretKey: Self.secretKey, account: "main")
        sts.addCaller(secretId: Self.secretId, secretKey: Self.secretKey)
        sts.addRole(arn: Self.roleArn, account: "main")
    }

    static let fullAccount = SimulatedTencentAccount(
        uin: .number(100000000001), balance: 123456789, realBalance: 123456700, cashAccountBalance: 123456700,
        incomeIntoAccountBalance: 0, presentAccountBalance: 50, freezeAmount: 1999, oweAmount: 0,
        isAllowArrears: true, isCreditLimited: false, creditAmount: 1000000, creditBalance: 999999,
        realCreditBalance: 999998, tempCredit: 150000,
        tempAmounts: [.init(uin: "100000000001", amountCents: 150000, startTime: "2026-11-16 00:00:00", endTime: "2026-12-16 23:59:59")])

    /// Permanent keys of the rig, to merge into `values`.
    static let keys: [String: ConfigValue] = ["secret_id": .string(secretId), "secret_key": .string(secretKey)]

    func account(_ values: [String: ConfigValue], endpoint: String = "http://\(TencentTestRig.billingHost)") -> AccountConfig {
        var all: [String: ConfigValue] = [
            "sts_endpoint": .string("http://\(Self.stsHost)"),
            "metadata_endpoint": .string("http://\(Self.metadataHost)"),
        ]
        all.merge(values) { $1 }
        return AccountConfig(name: "tencent-test", provider: "tencentcloud", endpoint: endpoint, refreshInterval: 60, values: all)
    }

    /// A client of the rig. Hermetic: the environment is only `environment`, and
    /// profile files exist only in `files`.
    func client(_ values: [String: ConfigValue], environment: [String: String] = [:], files: [String: String] = [:],
                clock: (any WallClock)? = nil) throws -> TencentCloudClient {
        let context = ProviderContext(transport: transport, clock: clock ?? self.clock, logger: .discard,
                                      environment: environment, userAgent: "balance_exporter/test")
        return try TencentCloud.makeClient(account: account(values), context: context, readFile: { files[$0] })
    }
}

extension BalanceProvider {
    /// The fetch's error, or nil when it succeeded.
    func tencentFetchError() async -> ProviderError? {
        do { _ = try await fetchBalance(); return nil } catch { return error }
    }
}
