import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceSimulators
@testable import BalanceSupport

/// A real Prometheus server scrapes the running exporter on loopback, whose
/// accounts point at simulated upstreams on loopback.
final class PrometheusEndToEndTests: XCTestCase {
    func testPrometheusScrapesTheExporter() throws {
        let clock = SystemClock()
        let tencent = TencentCloudSimulator(clock: clock)
        tencent.setAccount("main", SimulatedTencentAccount(uin: .number(600000561284), balance: 98_765, realBalance: 98_765,
                                                           oweAmount: 0, creditAmount: 0))
        tencent.addCredential(secretId: "AKIDe2e", secretKey: "e2e-key", account: "main")
        let upstreamPort = try serveOnLoopback(tencent)
        let config = ExporterConfig(
            providerLimits: ["tencentcloud": ProviderLimits(requestsPerSecond: 10, maxConcurrency: 4)],
            accounts: [AccountConfig(name: "e2e", provider: "tencentcloud", endpoint: "http://127.0.0.1:\(upstreamPort)",
                                     currency: "USD", refreshInterval: 1,
                                     values: ["secret_id": .string("AKIDe2e"), "secret_key": .string("e2e-key")])],
            source: "test")
        var options = ExporterOptions()
        options.listenAddresses = ["127.0.0.1:0"]
        let exporter = Exporter(source: .fixed(config), options: options, environment: [:], logger: .discard)
        try exporter.start()
        addTeardownBlock { exporter.shutdown(grace: 0) }
        let port = exporter.boundPorts[0]

        guard let prometheus = try PrometheusServer.start(targets: ["127.0.0.1:\(port)"], testCase: self) else {
            return try prometheusMissing()
        }
        let up = prometheus.waitFor { prometheus.query("up").first?.value == 1 }
        XCTAssertTrue(up, "target never up; Prometheus log:\n\(prometheus.log)")
        XCTAssertTrue(prometheus.waitFor(timeout: 10) { !prometheus.query("process_start_time_seconds").isEmpty })
        let balance = prometheus.query(#"balance_available{provider="tencentcloud"}"#)
        XCTAssertEqual(balance.first?.value, 987.65)
        XCTAssertEqual(balance.first?.labels["uin"], "600000561284")
        // Prometheus 2.x negotiated OpenMetrics and parsed it: the info family arrives with its labels.
        XCTAssertEqual(prometheus.query(#"balance_account_info{name="e2e",currency="USD"}"#).first?.value, 1)
        XCTAssertGreaterThan(prometheus.query("scrape_samples_scraped").first?.value ?? 0, 20)
    }
}
