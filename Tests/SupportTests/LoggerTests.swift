import BalanceTestSupport
import XCTest
@testable import BalanceSupport

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

final class LoggerFieldTests: XCTestCase {
    final class Box: @unchecked Sendable { var lines: [String] = [] }

    func testJSONWritesNumbersAndBooleansAsJSONAndLeavesOutNilFields() {
        let box = Box()
        let logger = Logger(level: .info, format: .json, sink: { box.lines.append($0) })
        let code: String? = nil
        logger.info("configuration loaded", ["accounts": .int(7), "ratio": .double(0.5), "ok": true,
                                              "code": code.map(LogValue.string), "source": "env"])
        XCTAssertEqual(box.lines.count, 1)
        let line = box.lines[0]
        XCTAssertTrue(line.hasSuffix(#""msg":"configuration loaded","accounts":7,"ratio":0.5,"ok":true,"source":"env"}"#), line)
        XCTAssertFalse(line.contains("code"), line)
    }

    func testLogfmtLeavesOutNilFieldsAndWritesNonFiniteNumbersAsText() {
        let box = Box()
        let logger = Logger(level: .info, sink: { box.lines.append($0) })
        logger.warn("x", ["request_id": nil, "wait": .double(.infinity)])
        XCTAssertTrue(box.lines[0].hasSuffix("level=warn msg=x wait=+Inf"), box.lines[0])
        XCTAssertEqual(Logger.json([("wait", .double(.nan))]), #"{"wait":"NaN"}"#)
    }
}
