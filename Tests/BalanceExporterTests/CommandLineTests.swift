import Foundation
import XCTest
@testable import BalanceExporter

/// The `balance_exporter` executable as an operator runs it.
final class CommandLineTests: XCTestCase {
    func testVersionHelpAndUnknownFlag() throws {
        let version = try ExporterProcess.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.output.contains("balance_exporter, version \(BuildInfo.version)"), version.output)
        let help = try ExporterProcess.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.output.contains("--web.listen-address"))
        let unknown = try ExporterProcess.run(["--web.listen-adress=:1"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.output.contains("unknown flag --web.listen-adress"), unknown.output)
        XCTAssertTrue(unknown.output.contains("usage: balance_exporter"))
        let demoAndFile = try ExporterProcess.run(["--demo", "--config.file=/x.json"])
        XCTAssertEqual(demoAndFile.status, 2)
    }

    func testConfigCheck() throws {
        let dir = try temporaryDirectory()
        let good = dir.appendingPathComponent("good.json"), bad = dir.appendingPathComponent("bad.json")
        try #"{"accounts": [{"name": "p", "provider": "yeastar", "client_id": "c", "client_secret_env": "YS"}]}"#
            .write(to: good, atomically: true, encoding: .utf8)
        try #"{"accounts": [{"name": "p", "provider": "yeastar", "client_id": "c"}, {"name": "q", "provider": "nope"}]}"#
            .write(to: bad, atomically: true, encoding: .utf8)
        let ok = try ExporterProcess.run(["--config.file=\(good.path)", "--config.check"], environment: ["YS": "secret"])
        XCTAssertEqual(ok.status, 0, ok.output)
        XCTAssertTrue(ok.output.contains("configuration OK: 1 account(s): p (yeastar)"), ok.output)
        XCTAssertFalse(ok.output.contains("secret\n"))
        let failed = try ExporterProcess.run(["--config.file=\(bad.path)", "--config.check"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.output.contains(#"accounts[0] "p": client_secret: missing"#), failed.output)
        XCTAssertTrue(failed.output.contains(#"accounts[1] "q": provider: unknown provider "nope""#), failed.output)
        // Start-up with the bad file: exit 1, one message per problem.
        let start = try ExporterProcess.run(["--config.file=\(bad.path)", "--web.listen-address=127.0.0.1:0"])
        XCTAssertEqual(start.status, 1)
        XCTAssertEqual(start.output.components(separatedBy: "invalid configuration").count - 1, 2, start.output)
    }

    func testHalfSetCredentialsFailConfigCheckAndStartUp() throws {
        for arguments in [["--config.check"], ["--web.listen-address=127.0.0.1:0"]] {
            let result = try ExporterProcess.run(arguments, environment: ["TENCENTCLOUD_SECRET_ID": "AKIDhalf"])
            XCTAssertEqual(result.status, 1, result.output)
            XCTAssertTrue(result.output.contains("TENCENTCLOUD_SECRET_KEY: not set or empty, but TENCENTCLOUD_SECRET_ID is set"), result.output)
            XCTAssertFalse(result.output.contains("AKIDhalf"), result.output)
        }
    }

    func testServesThenStopsGracefullyOnSIGTERM() throws {
        let port = try freeLoopbackPort()
        let exporter = try ExporterProcess(["--web.listen-address=127.0.0.1:\(port)", "--log.format=json"])
        XCTAssertTrue(waitUntil { (try? RawHTTPClient.get(port: port, path: "/-/ready"))?.status == 200 }, exporter.output)
        XCTAssertTrue(exporter.output.contains(#""level":"warn""#) && exporter.output.contains("no accounts"), exporter.output)
        let health = try ExporterProcess.run(["--health-check", "--web.listen-address=127.0.0.1:\(port)"])
        XCTAssertEqual(health.status, 0)

        // A second exporter on the same port: one line naming the address, exit 1.
        let busy = try ExporterProcess.run(["--web.listen-address=127.0.0.1:\(port)"])
        XCTAssertEqual(busy.status, 1)
        XCTAssertTrue(busy.output.contains("127.0.0.1:\(port)") && busy.output.contains("address already in use"), busy.output)

        let started = Date()
        kill(exporter.process.processIdentifier, SIGTERM)
        XCTAssertEqual(exporter.waitForExit(timeout: 5), 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        let unhealthy = try ExporterProcess.run(["--health-check", "--web.listen-address=127.0.0.1:\(port)"])
        XCTAssertEqual(unhealthy.status, 1)
    }

    func testSIGHUPReloadsTheConfigurationFile() throws {
        let dir = try temporaryDirectory()
        let config = dir.appendingPathComponent("config.json")
        try #"{"accounts": []}"#.write(to: config, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let exporter = try ExporterProcess(["--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(port)"])
        XCTAssertTrue(waitUntil { (try? RawHTTPClient.get(port: port, path: "/-/ready"))?.status == 200 }, exporter.output)
        try #"{"accounts": [{"name": "p", "provider": "yeastar", "endpoint": "http://127.0.0.1:1", "client_id": "c", "client_secret": "s"}]}"#
            .write(to: config, atomically: true, encoding: .utf8)
        kill(exporter.process.processIdentifier, SIGHUP)
        XCTAssertTrue(waitUntil { exporter.output.contains("accounts=1") }, exporter.output)
        let body = try RawHTTPClient.get(port: port, path: "/metrics", headers: [("X-Prometheus-Scrape-Timeout-Seconds", "3")]).text
        XCTAssertTrue(body.contains(#"balance_account_info{provider="yeastar",uin="p",name="p",currency=""} 1"#), body)
        XCTAssertTrue(body.contains(#"balance_up{provider="yeastar",uin="p"} 0"#), "refused connection marks the account down")
        XCTAssertTrue(body.contains(#"balance_upstream_errors_total{provider="yeastar",uin="p",reason="network"} 1"#), body)
    }
}
