import BalanceTestSupport
import Foundation
import Synchronization
import XCTest
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSockets

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

    /// Every kind of mistake in every account in one run, each as
    /// `accounts[N] "name": key: message`: the file's own checks (unknown
    /// provider, unknown key, bad value, duplicate name) and the providers'
    /// checks of the other accounts (a key without its pair, a bad URL).
    func testConfigCheckReportsEveryMistakeOfEveryAccountInOneRun() throws {
        let file = try temporaryDirectory().appendingPathComponent("mistakes.json")
        try #"""
        {"accounts": [
          {"name": "prod", "provider": "tencentcloud", "secret_id": "AKIDprod"},
          {"name": "typo", "provider": "tencentcloud", "secert_key": "x", "refresh_interval": "soon"},
          {"name": "prod", "provider": "yeastar", "client_id": "c", "client_secret": "s"},
          {"name": "lost", "provider": "nosuch"},
          {"name": "pbx", "provider": "yeastar", "client_id": "c", "client_secret": "s", "endpoint": "https://"},
          {"name": "role", "provider": "tencentcloud", "role_session_name": "s", "language": "fr"}
        ]}
        """#.write(to: file, atomically: true, encoding: .utf8)
        let result = try ExporterProcess.run(["--config.file=\(file.path)", "--config.check"])
        XCTAssertEqual(result.status, 1, result.output)
        let expected = [
            #"accounts[2] "prod": name: duplicate account name (also accounts[0])"#,
            #"accounts[1] "typo": refresh_interval: "#,
            #"accounts[1] "typo": secert_key: unknown key for provider tencentcloud"#,
            #"accounts[3] "lost": provider: unknown provider "nosuch""#,
            #"accounts[4] "pbx": endpoint: "#,
            #"accounts[0] "prod": secret_key: required when secret_id is set"#,
            #"accounts[5] "role": language: must be zh-CN or en-US, not fr"#,
            #"accounts[5] "role": role_session_name: set without role_arn"#,
        ]
        for line in expected {
            XCTAssertTrue(result.output.contains(line), "missing \(line) in:\n\(result.output)")
        }
        XCTAssertTrue(result.output.contains("configuration invalid: \(expected.count) problem(s)"), result.output)
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

    // MARK: Lifecycle

    func testReloadOverHTTPNeedsTheLifecycleFlagAndNeverShowsTheProblems() throws {
        let dir = try temporaryDirectory()
        let config = dir.appendingPathComponent("config.json")
        try #"{"accounts": []}"#.write(to: config, atomically: true, encoding: .utf8)
        let closedPort = try freeLoopbackPort()
        let closed = try ExporterProcess(["--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(closedPort)"])
        XCTAssertTrue(waitUntil { (try? RawHTTPClient.get(port: closedPort, path: "/-/ready"))?.status == 200 }, closed.output)
        for method in ["POST", "PUT"] {
            let refused = try RawHTTPClient.request(port: closedPort, method: method, path: "/-/reload")
            XCTAssertEqual(refused.status, 403)
            XCTAssertEqual(refused.text, "Lifecycle API is not enabled.")
        }
        XCTAssertFalse(closed.output.contains("reloading"), closed.output)

        let openPort = try freeLoopbackPort()
        let open = try ExporterProcess(["--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(openPort)", "--web.enable-lifecycle"])
        XCTAssertTrue(waitUntil { (try? RawHTTPClient.get(port: openPort, path: "/-/ready"))?.status == 200 }, open.output)
        XCTAssertEqual(try RawHTTPClient.request(port: openPort, method: "POST", path: "/-/reload").status, 200)
        let secretValue = "hunter2-not-for-you"
        try #"{"accounts": [{"name": "p", "provider": "yeastar", "client_id": "\#(secretValue)", "client_secret_file": "\#(dir.path)/missing"}]}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let failed = try RawHTTPClient.request(port: openPort, method: "PUT", path: "/-/reload")
        XCTAssertEqual(failed.status, 500)
        XCTAssertTrue(failed.text.contains("Reload failed") && failed.text.contains("log"), failed.text)
        XCTAssertFalse(failed.text.contains(dir.path) || failed.text.contains(secretValue) || failed.text.contains("client_secret"), failed.text)
        XCTAssertTrue(waitUntil { open.output.contains("configuration reload failed") && open.output.contains("missing") }, open.output)
    }

    func testSIGTERMEndsTheProcessWhileAReloadHangsOnASecretFile() throws {
        let dir = try temporaryDirectory()
        let config = dir.appendingPathComponent("config.json"), fifo = dir.appendingPathComponent("secret.fifo")
        // A FIFO nobody writes: open() blocks, as a read from a hung network mount does.
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        /// Lets a reader blocked in open() go on (a writer that opens and closes at once).
        func unblockTheReload() {
            let writer = open(fifo.path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        defer { unblockTheReload() }
        try #"{"accounts": []}"#.write(to: config, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let exporter = try ExporterProcess(["--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(port)", "--web.enable-lifecycle"])
        XCTAssertTrue(waitUntil { (try? RawHTTPClient.get(port: port, path: "/-/ready"))?.status == 200 }, exporter.output)
        try #"{"accounts": [{"name": "p", "provider": "yeastar", "client_id": "c", "client_secret_file": "\#(fifo.path)"}]}"#
            .write(to: config, atomically: true, encoding: .utf8)
        kill(exporter.process.processIdentifier, SIGHUP)
        XCTAssertTrue(waitUntil { exporter.output.contains("reloading configuration") }, exporter.output)

        // The hung reload blocks neither scrapes nor further reload requests, which do not queue.
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/metrics").status, 200)
        let busy = try RawHTTPClient.request(port: port, method: "POST", path: "/-/reload")
        XCTAssertEqual(busy.status, 503)
        XCTAssertTrue(busy.text.contains("in progress"), busy.text)
        kill(exporter.process.processIdentifier, SIGHUP)
        XCTAssertTrue(waitUntil { exporter.output.contains("SIGHUP ignored") }, exporter.output)

        let started = Date()
        kill(exporter.process.processIdentifier, SIGTERM)
        XCTAssertEqual(exporter.waitForExit(timeout: 5), 0, exporter.output)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        // Had SIGTERM waited behind the reload, the process would still run: let it go, or kill it.
        let deadline = Date().addingTimeInterval(5)
        while exporter.process.isRunning && Date() < deadline {
            unblockTheReload()
            usleep(50_000)
        }
        if exporter.process.isRunning { kill(exporter.process.processIdentifier, SIGKILL) }
    }

    func testShutdownAnswersAScrapeWaitingOnASlowUpstream() throws {
        let upstreamCalled = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let slowPort = try serveOnLoopback { _ in
            upstreamCalled.signal()
            _ = release.wait(timeout: .now() + 20)
            return .text(503, "late")
        }
        addTeardownBlock { for _ in 0..<4 { release.signal() } }
        let dir = try temporaryDirectory()
        let config = dir.appendingPathComponent("config.json")
        try #"{"accounts": [{"name": "slow", "provider": "yeastar", "endpoint": "http://127.0.0.1:\#(slowPort)", "client_id": "c", "client_secret": "s", "request_timeout": "30s"}]}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let exporter = try ExporterProcess(["--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(port)"])
        XCTAssertTrue(waitUntil { (try? RawHTTPClient.get(port: port, path: "/-/healthy"))?.status == 200 }, exporter.output)

        // A scrape with Prometheus's default 10 s budget waits for the slow upstream...
        let answer = LockedValue<Result<RawHTTPResponse, Error>?>(nil)
        let answered = DispatchSemaphore(value: 0)
        Thread {
            answer.set(Result { try RawHTTPClient.get(port: port, path: "/metrics", headers: [("X-Prometheus-Scrape-Timeout-Seconds", "10")], timeout: 15) })
            answered.signal()
        }.start()
        XCTAssertEqual(upstreamCalled.wait(timeout: .now() + 10), .success, exporter.output)
        // ...when SIGTERM comes: it is answered with what is cached, and the process ends within 2 s.
        let started = Date()
        kill(exporter.process.processIdentifier, SIGTERM)
        XCTAssertEqual(answered.wait(timeout: .now() + 5), .success)
        let response = try XCTUnwrap(answer.get()).get()
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.text.contains(#"balance_account_info{provider="yeastar",uin="slow",name="slow",currency=""} 1"#), response.text)
        XCTAssertEqual(exporter.waitForExit(timeout: 5), 0, exporter.output)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertFalse(exporter.output.contains("cutting connections"), exporter.output)
    }

    // MARK: Limits

    func testTheSoftFileLimitIsRaisedAndMaxConnectionsMustFitIt() throws {
        var limit = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit), 0)
        let hard = Int(min(limit.rlim_max, rlim_t(Int.max)))
        try XCTSkipIf(hard < 1024, "the hard open-file limit (\(hard)) leaves no room to test raising the soft one")

        // Started with a soft limit of 256, which 512 connections cannot fit: raised to the hard limit, it serves.
        let port = try freeLoopbackPort()
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "ulimit -S -n 256 && exec \"$0\" --web.listen-address=127.0.0.1:\(port) --web.max-connections=512",
                           exporterBinary().path]
        shell.standardOutput = FileHandle.nullDevice
        shell.standardError = FileHandle.nullDevice
        try shell.run()
        defer { shell.terminate(); shell.waitUntilExit() }
        XCTAssertTrue(waitUntil { (try? RawHTTPClient.get(port: port, path: "/-/ready"))?.status == 200 })
        let limits = try String(contentsOfFile: "/proc/\(shell.processIdentifier)/limits", encoding: .utf8)
        let line = try XCTUnwrap(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        XCTAssertEqual(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).prefix(2).map(String.init),
                       ["\(hard)", "\(hard)"], String(line))

        let tooMany = try ExporterProcess.run(["--web.listen-address=127.0.0.1:0", "--web.max-connections=\(hard)"])
        XCTAssertEqual(tooMany.status, 2)
        XCTAssertTrue(tooMany.output.contains("--web.max-connections=\(hard) does not fit the open-file limit of \(hard)"), tooMany.output)
        XCTAssertTrue(tooMany.output.contains("give at most \(hard - FileLimit.reserve)"), tooMany.output)
    }

    func testAnInvalidTelemetryPathIsAUsageError() throws {
        for path in ["/metrics?x=1", "/metrics#top", "/my metrics", "metrics"] {
            let run = try ExporterProcess.run(["--web.telemetry-path=\(path)"])
            XCTAssertEqual(run.status, 2, path)
            XCTAssertTrue(run.output.contains("--web.telemetry-path must be an absolute path"), run.output)
        }
    }
}

/// A value set on one thread and read on another.
private final class LockedValue<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
}
