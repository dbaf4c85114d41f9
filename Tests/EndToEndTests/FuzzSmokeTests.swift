import BalanceTestSupport
import XCTest

/// A short libFuzzer run of every decoder of untrusted input
/// (Tests/fuzz/run.sh): the request parser, the upstream response parser,
/// Accept and Accept-Encoding, the configuration, durations, both providers'
/// responses and the writers.
/// Long runs: `Tests/fuzz/run.sh 3600` (Tests/fuzz/README.md).
final class FuzzSmokeTests: XCTestCase {
    func testEveryFuzzTargetSurvivesAShortRun() throws {
        try requireTools(executables: ["swiftc", "bash"])
        let result = try runScript(["bash", "Tests/fuzz/run.sh", "4"], timeout: 1200)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains(" passed, 0 failed"), result.output)
    }
}
