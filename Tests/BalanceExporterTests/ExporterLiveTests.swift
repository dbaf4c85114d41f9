import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceTencentCloud
@testable import BalanceSimulators
@testable import BalanceSupport

/// The whole exporter over real loopback sockets, its accounts pointing at
/// simulated upstreams that are also served over real loopback sockets.
final class ExporterLiveTests: XCTestCase {
    var tencent: TencentCloudSimulator!
    var yeastar: YeastarSimulator!
    var tencentPort = 0
    var yeastarPort = 0
    var configURL: URL!
    var logs = LogCapture()

    override func setUpWithError() throws {
        let clock = SystemClock()
        tencent = TencentCloudSimulator(clock: clock)
        tencent.setAccount("main", SimulatedTencentAccount(
            uin: .string("600000561284"), balance: 123_456, realBalance: 123_456, cashAccountBalance: 100_000,
            freezeAmount: 250, oweAmount: 0, isAllowArrears: true, creditAmount: 500_000, creditBalance: 400_000,
            tempCredit: 5_000, tempAmounts: [.init(uin: "600000561284", amountCents: 5_000,
                                                    startTime: "2026-11-16 00:00:00", endTime: "2026-12-16 23:59:59")],
            nullFields: ["IsCreditLimited"]))
        tencent.addCredential(secretId: "AKIDlive", secretKey: "live-secret-key", account: "main")
        yeastar = YeastarSimulator(clock: clock)
        yeastar.addClient(id: "cid", secret: "yeastar-client-secret", userID: 4242, balance: 675.24)
        tencentPort = try serveOnLoopback(tencent)
        yeastarPort = try serveOnLoopback(yeastar)
        configURL = try temporaryDirectory().appendingPathComponent("config.json")
        try writeConfig(accounts: [tencentAccount(), yeastarAccount()])
    }

    func tencentAccount(name: String = "prod-intl", secretKey: String = "live-secret-key") -> String {
        #"{"name": "\#(name)", "provider": "tencentcloud", "endpoint": "http://127.0.0.1:\#(tencentPort)", "currency": "USD", "temp_credit": true, "secret_id": "AKIDlive", "secret_key": "\#(secretKey)", "refresh_interval": "1h"}"#
    }

    func yeastarAccount() -> String {
        #"{"name": "partner", "provider": "yeastar", "endpoint": "http://127.0.0.1:\#(yeastarPort)", "client_id": "cid", "client_secret": "yeastar-client-secret", "refresh_interval": "1h"}"#
    }

    func writeConfig(accounts: [String]) throws {
        try #"{"accounts": [\#(accounts.joined(separator: ","))]}"#.write(to: configURL, atomically: true, encoding: .utf8)
        chmod(configURL.path, 0o600)
    }

    func startExporter() throws -> (Exporter, Int) {
        var options = ExporterOptions()
        options.listenAddresses = ["127.0.0.1:0"]
        options.enableLifecycle = true
        let exporter = Exporter(source: .file(configURL.path), options: options, environment: [:], logger: logs.logger())
        try exporter.start()
        addTeardownBlock { exporter.shutdown(grace: 0) }
        return (exporter, exporter.boundPorts[0])
    }

    func testMetricsCarryEveryFamilyWithValuesAndLabels() throws {
        let (_, port) = try startExporter()
        let response = try RawHTTPClient.get(port: port, path: "/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        let body = response.text
        let t = #"provider="tencentcloud",uin="600000561284""#
        for line in [
            #"balance_available{\#(t)} 1234.56"#,
            #"balance_tencentcloud_balance{\#(t)} 1234.56"#,
            #"balance_tencentcloud_cash_account_balance{\#(t)} 1000"#,
            #"balance_tencentcloud_freeze_amount{\#(t)} 2.5"#,
            #"balance_tencentcloud_owe_amount{\#(t)} 0"#,
            #"balance_tencentcloud_credit_amount{\#(t)} 5000"#,
            #"balance_tencentcloud_is_allow_arrears{\#(t)} 1"#,
            #"balance_tencentcloud_temp_credit{\#(t)} 50"#,
            #"balance_tencentcloud_temp_credit_amount{\#(t),credit="2026-11-16T00:00:00+08:00"} 50"#,
            // 2026-12-16 23:59:59 Beijing time is 15:59:59 UTC.
            #"balance_tencentcloud_temp_credit_end_timestamp_seconds{\#(t),credit="2026-11-16T00:00:00+08:00"} 1797436799"#,
            #"balance_up{\#(t)} 1"#,
            #"balance_upstream_requests_total{\#(t)} 1"#,
            #"balance_account_info{\#(t),name="prod-intl",currency="USD"} 1"#,
            #"balance_available{provider="yeastar",uin="4242"} 675.24"#,
            #"balance_yeastar_account_balance{provider="yeastar",uin="4242"} 675.24"#,
            #"balance_up{provider="yeastar",uin="4242"} 1"#,
            #"balance_account_info{provider="yeastar",uin="4242",name="partner",currency=""} 1"#,
            #"balance_exporter_accounts{provider="tencentcloud"} 1"#,
            #"balance_exporter_config_last_reload_successful 1"#,
        ] {
            XCTAssertTrue(body.contains("\n" + line + "\n"), "missing: \(line)\n\(body)")
        }
        XCTAssertFalse(body.contains("is_credit_limited"), "a null field is an absent series")
        XCTAssertTrue(body.contains(#"balance_exporter_build_info{version="\#(BuildInfo.version)""#))
        XCTAssertTrue(body.contains("\nprocess_start_time_seconds "))
        XCTAssertTrue(body.contains("# HELP balance_available "))
        if let result = try promtoolCheckMetrics(response.body) {
            XCTAssertEqual(result.exitCode, 0, result.output)
            XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "")
        } else {
            try promtoolMissing()
        }
        // Cached: a second scrape makes no upstream call.
        _ = try RawHTTPClient.get(port: port, path: "/metrics")
        XCTAssertEqual(tencent.requestCount, 1)
        // No secret reaches the metrics or the logs.
        for secret in ["live-secret-key", "yeastar-client-secret"] {
            XCTAssertFalse(body.contains(secret))
            XCTAssertFalse(logs.all.contains { $0.contains(secret) })
        }
    }

    func testEveryTencentFamilyAppearsWhenTheUpstreamSendsEveryField() throws {
        tencent.setAccount("main", SimulatedTencentAccount(
            uin: .number(600000561284), balance: 1, realBalance: 2, cashAccountBalance: 3, incomeIntoAccountBalance: 4,
            presentAccountBalance: 5, freezeAmount: 6, oweAmount: 7, isAllowArrears: false, isCreditLimited: true,
            creditAmount: 8, creditBalance: 9, realCreditBalance: 10, tempCredit: 11,
            tempAmounts: [.init(uin: "600000561284", amountCents: 11, startTime: "2026-11-16 00:00:00", endTime: "2026-11-30 00:00:00")]))
        let (_, port) = try startExporter()
        let body = try RawHTTPClient.get(port: port, path: "/metrics").text
        let tencentFamilies = [
            TencentMetrics.balance, TencentMetrics.realBalance, TencentMetrics.cashAccountBalance, TencentMetrics.incomeIntoAccountBalance,
            TencentMetrics.presentAccountBalance, TencentMetrics.freezeAmount, TencentMetrics.oweAmount, TencentMetrics.creditAmount,
            TencentMetrics.creditBalance, TencentMetrics.realCreditBalance, TencentMetrics.tempCredit, TencentMetrics.isAllowArrears,
            TencentMetrics.isCreditLimited, TencentMetrics.tempCreditAmount, TencentMetrics.tempCreditStart, TencentMetrics.tempCreditEnd,
        ]
        for (index, family) in tencentFamilies.enumerated() {
            XCTAssertTrue(body.contains("\n\(family.name){provider=\"tencentcloud\",uin=\"600000561284\""), "missing \(family.name) (\(index))")
        }
        XCTAssertTrue(body.contains(#"balance_tencentcloud_income_into_account_balance{provider="tencentcloud",uin="600000561284"} 0.04"#))
        XCTAssertTrue(body.contains(#"balance_tencentcloud_is_credit_limited{provider="tencentcloud",uin="600000561284"} 1"#))
        // 2026-11-16 00:00:00 Beijing time is 2026-11-15 16:00:00 UTC.
        XCTAssertTrue(body.contains(#"balance_tencentcloud_temp_credit_start_timestamp_seconds{provider="tencentcloud",uin="600000561284",credit="2026-11-16T00:00:00+08:00"} 1794758400"#), body)
    }

    func testOpenMetricsWhenPrometheusAsksForIt() throws {
        let (_, port) = try startExporter()
        let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        let response = try RawHTTPClient.get(port: port, path: "/metrics", headers: [("Accept", accept)])
        XCTAssertEqual(response.headers["Content-Type"], "application/openmetrics-text; version=1.0.0; charset=utf-8")
        XCTAssertTrue(response.text.hasSuffix("# EOF\n"))
        XCTAssertTrue(response.text.contains("# TYPE balance_upstream_requests counter\n"))
        XCTAssertTrue(response.text.contains("# TYPE balance_account info\n"))
    }

    func testReloadRejectsABadFileAndKeepsTheCacheOfUnchangedAccounts() throws {
        let (exporter, port) = try startExporter()
        _ = try RawHTTPClient.get(port: port, path: "/metrics")
        XCTAssertEqual(tencent.requestCount, 1)

        try "{ not json".write(to: configURL, atomically: true, encoding: .utf8)
        let rejected = try RawHTTPClient.request(port: port, method: "POST", path: "/-/reload")
        XCTAssertEqual(rejected.status, 500)
        XCTAssertTrue(rejected.text.contains("Reload failed") && rejected.text.contains("log"), rejected.text)
        XCTAssertFalse(rejected.text.contains(configURL.path) || rejected.text.contains("JSON"), "no path or detail to whoever asked")
        XCTAssertTrue(logs.all.contains { $0.contains("not valid JSON") }, "the problem is logged")
        var body = try RawHTTPClient.get(port: port, path: "/metrics").text
        XCTAssertTrue(body.contains(#"balance_available{provider="tencentcloud",uin="600000561284"} 1234.56"#), "old configuration keeps serving")
        XCTAssertTrue(body.contains("balance_exporter_config_last_reload_successful 0"))
        XCTAssertTrue(logs.all.contains { $0.contains("configuration reload failed") })

        // A second Tencent account added; the first is unchanged and keeps its cache.
        try writeConfig(accounts: [tencentAccount(), yeastarAccount(), tencentAccount(name: "second")])
        XCTAssertNil(exporter.reload())
        body = try RawHTTPClient.get(port: port, path: "/metrics").text
        XCTAssertEqual(tencent.requestCount, 2, "only the new account called its upstream")
        XCTAssertTrue(body.contains(#"name="second""#))
        XCTAssertTrue(body.contains("balance_exporter_config_last_reload_successful 1"))
    }

    func testAScrapeAnswersWithinItsBudgetWhileAnUpstreamHangs() throws {
        let hang = DispatchSemaphore(value: 0)
        let slowPort = try serveOnLoopback { _ in
            _ = hang.wait(timeout: .now() + 10)
            return .text(503, "late")
        }
        addTeardownBlock { for _ in 0..<4 { hang.signal() } }
        try writeConfig(accounts: [yeastarAccount(), tencentAccount().replacingOccurrences(of: "\(tencentPort)", with: "\(slowPort)")])
        let (_, port) = try startExporter()
        let started = Date()
        let response = try RawHTTPClient.get(port: port, path: "/metrics", headers: [("X-Prometheus-Scrape-Timeout-Seconds", "1.5")])
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThan(elapsed, 4, "answered after \(elapsed) s")
        XCTAssertTrue(response.text.contains(#"balance_available{provider="yeastar",uin="4242"} 675.24"#))
        XCTAssertFalse(response.text.contains(#"balance_up{provider="tencentcloud""#), "the hanging account has no result yet")
    }

    func testABadConfigurationStopsStartUpNamingAccountAndKey() throws {
        try writeConfig(accounts: [#"{"name": "broken", "provider": "yeastar", "client_id": "x"}"#])
        let exporter = Exporter(source: .file(configURL.path), options: ExporterOptions(), environment: [:], logger: .discard)
        XCTAssertThrowsError(try exporter.start()) { error in
            XCTAssertTrue("\(error)".contains(#"accounts[0] "broken": client_secret: missing"#), "\(error)")
        }
    }

    func testABusyPortIsOneErrorNamingTheAddress() throws {
        let (_, port) = try startExporter()
        var options = ExporterOptions()
        options.listenAddresses = ["127.0.0.1:\(port)"]
        let second = Exporter(source: .file(configURL.path), options: options, environment: [:], logger: .discard)
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
            XCTAssertTrue("\(error)".contains("address already in use"), "\(error)")
        }
    }
}
