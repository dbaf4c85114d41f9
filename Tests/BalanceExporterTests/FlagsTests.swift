import BalanceTestSupport
import XCTest
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSockets

final class FlagsTests: XCTestCase {
    func testBothSpellingsAndRepeatableListenAddress() throws {
        let flags = try Flags.parse(["--config.file=/etc/b.json", "--web.listen-address", ":9788", "--web.listen-address=[::1]:9999",
                                     "--log.level=debug", "--log.format", "json", "--web.max-connections=10",
                                     "--web.telemetry-path=/m", "--web.config.file", "/etc/web.yml"])
        XCTAssertEqual(flags.configFile, "/etc/b.json")
        XCTAssertEqual(flags.listenAddresses, [":9788", "[::1]:9999"])
        XCTAssertEqual(flags.logLevel, .debug)
        XCTAssertEqual(flags.logFormat, .json)
        XCTAssertEqual(flags.maxConnections, 10)
        XCTAssertEqual(flags.telemetryPath, "/m")
        XCTAssertEqual(flags.webConfigFile, "/etc/web.yml")
    }

    func testErrors() {
        func message(_ args: [String]) -> String? {
            if case .failure(let problem) = Result(catching: { () throws(Flags.Problem) in try Flags.parse(args) }) { return problem.message }
            return nil
        }
        XCTAssertEqual(message(["--nope"]), "unknown flag --nope")
        XCTAssertEqual(message(["--config.file"]), "flag --config.file needs a value")
        XCTAssertEqual(message(["--log.level=loud"]), "--log.level must be one of debug, info, warn, error, got \"loud\"")
        XCTAssertEqual(message(["--demo", "--config.file=x"]), "--demo runs on simulated accounts and cannot be combined with --config.file")
        XCTAssertEqual(message(["--web.max-connections=0"]), "--web.max-connections must be a positive integer, got \"0\"")
        XCTAssertEqual(message(["stray"]), "unexpected argument \"stray\"")
        XCTAssertNotNil(message(["--web.telemetry-path=/-/healthy"]))
    }

    func testTheTelemetryPathCannotTakeThePathOfThePageTheAPIOrTheStylesheet() {
        for path in ["/", "/api/v1/accounts", "/static/status.css", "/-/ready", "/-/reload"] {
            guard case .failure(let problem) = Result(catching: { () throws(Flags.Problem) in try Flags.parse(["--web.telemetry-path=\(path)"]) }) else {
                return XCTFail("\(path) accepted as the telemetry path")
            }
            XCTAssertTrue(problem.message.contains("other than /, /-/healthy, /-/ready, /-/reload, /api/v1/accounts, /static/status.css"),
                          problem.message)
        }
        XCTAssertEqual(try Flags.parse(["--web.telemetry-path=/api/v1/metrics"]).telemetryPath, "/api/v1/metrics")
    }

    func testConnectionLimitsAndLifecycle() throws {
        let defaults = try Flags.parse([])
        XCTAssertEqual(defaults.maxConnections, ServerLimits().maxConnections)
        XCTAssertEqual(defaults.maxConnectionsPerPeer, 64)
        XCTAssertFalse(defaults.enableLifecycle, "reload over HTTP is off unless asked for, as in Prometheus")
        let flags = try Flags.parse(["--web.max-connections-per-peer=8", "--web.enable-lifecycle"])
        XCTAssertEqual(flags.maxConnectionsPerPeer, 8)
        XCTAssertTrue(flags.enableLifecycle)
        if case .failure(let problem) = Result(catching: { () throws(Flags.Problem) in try Flags.parse(["--web.max-connections-per-peer=-1"]) }) {
            XCTAssertEqual(problem.message, "--web.max-connections-per-peer must be a positive integer, got \"-1\"")
        } else {
            XCTFail("a negative per-peer limit was accepted")
        }
    }

    func testTelemetryPathMustBeAnAbsoluteURLPath() throws {
        for path in ["/m", "/metrics/v1", "/a%2Fb", "/~user/-._!$&'()*+,;=:@", "//double"] {
            XCTAssertEqual(try Flags.parse(["--web.telemetry-path=\(path)"]).telemetryPath, path)
        }
        for path in ["/metrics?x=1", "/metrics#top", "/my metrics", "/tab\there", "/zoë", "/%zz", "/%4", "metrics", "", "/", "/-/reload",
                     "/a\"b", "/a<b>", "/a\\b", "/a^b", "/a|b", "/a`b", "/a{b}", "/a[b]"] {
            guard case .failure(let problem) = Result(catching: { () throws(Flags.Problem) in try Flags.parse(["--web.telemetry-path=\(path)"]) }) else {
                XCTFail("accepted \(path.debugDescription)")
                continue
            }
            XCTAssertTrue(problem.message.hasPrefix("--web.telemetry-path must be an absolute path"), problem.message)
        }
    }

    func testMaxConnectionsMustFitTheFileLimit() {
        let limit = 1024
        XCTAssertNil(FileLimit.problem(maxConnections: limit - FileLimit.reserve, limit: limit))
        XCTAssertEqual(FileLimit.problem(maxConnections: limit - FileLimit.reserve + 1, limit: limit),
                       "--web.max-connections=897 does not fit the open-file limit of 1024 (ulimit -n): each connection is a file "
                       + "descriptor and 128 more are kept for listeners, upstream sockets and files; give at most 896 or raise the limit")
        XCTAssertNotNil(FileLimit.problem(maxConnections: 1, limit: 64), "no room even for the reserve")
    }

    func testBooleans() throws {
        let flags = try Flags.parse(["--demo", "--version", "--config.check", "--health-check", "-h"])
        XCTAssertTrue(flags.demo && flags.version && flags.configCheck && flags.healthCheck && flags.help)
        XCTAssertFalse(try Flags.parse(["--demo=false"]).demo)
    }
}
