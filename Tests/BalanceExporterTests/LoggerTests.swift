import XCTest
@testable import BalanceExporter

final class LoggerTests: XCTestCase {
    func testLogfmtQuotesValuesThatNeedIt() {
        let line = Logger.logfmt([("msg", "refresh failed"), ("account", "prod"), ("detail", "a=\"b\"\nc")])
        XCTAssertEqual(line, #"msg="refresh failed" account=prod detail="a=\"b\"\nc""#)
    }

    func testJSONEscapesControlCharacters() {
        XCTAssertEqual(Logger.json([("msg", "x\u{1}y")]), #"{"msg":"x\u0001y"}"#)
    }

    func testLevelFilters() {
        final class Box: @unchecked Sendable { var lines: [String] = [] }
        let box = Box()
        let logger = Logger(level: .warn, sink: { box.lines.append($0) })
        logger.info("hidden")
        logger.warn("shown", ["k": "v"])
        XCTAssertEqual(box.lines.count, 1)
        XCTAssertTrue(box.lines[0].contains("level=warn msg=shown k=v"), box.lines[0])
    }
}
