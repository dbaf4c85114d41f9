import XCTest
@testable import BalanceExporter

final class FlagsTests: XCTestCase {
    func testBothSpellingsAndRepeatableListenAddress() throws {
        let flags = try Flags.parse(["--config.file=/etc/b.json", "--web.listen-address", ":9788", "--web.listen-address=[::1]:9999",
                                     "--log.level=debug", "--log.format", "json", "--web.max-connections=10",
                                     "--web.telemetry-path=/m"]).get()
        XCTAssertEqual(flags.configFile, "/etc/b.json")
        XCTAssertEqual(flags.listenAddresses, [":9788", "[::1]:9999"])
        XCTAssertEqual(flags.logLevel, .debug)
        XCTAssertEqual(flags.logFormat, .json)
        XCTAssertEqual(flags.maxConnections, 10)
        XCTAssertEqual(flags.telemetryPath, "/m")
    }

    func testErrors() {
        func message(_ args: [String]) -> String? {
            if case .failure(let problem) = Flags.parse(args) { return problem.message }
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

    func testBooleans() throws {
        let flags = try Flags.parse(["--demo", "--version", "--config.check", "--health-check", "-h"]).get()
        XCTAssertTrue(flags.demo && flags.version && flags.configCheck && flags.healthCheck && flags.help)
        XCTAssertFalse(try Flags.parse(["--demo=false"]).get().demo)
    }
}
