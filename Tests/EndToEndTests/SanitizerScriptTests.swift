import BalanceTestSupport
import Foundation
import XCTest

/// Tests/hardening/sanitizers.sh's verdict, from captured sanitizer runs
/// (Tests/hardening/testdata) that a stand-in `swift` on PATH prints: every
/// test of the run is counted, not the last suite's, and a failed test, a
/// race or a run that died fails it. The sanitized suite itself takes ~20
/// minutes and runs by hand before releases.
final class SanitizerScriptTests: XCTestCase {
    private struct Run {
        var output: String
        var status: Int32
        var lastLine: String { output.split(separator: "\n").last.map(String.init) ?? "" }
    }

    /// Runs `sanitizers.sh sanitizer` with `swift test` printing `fixture` and exiting with `status`.
    private func sanitizers(_ sanitizer: String, fixture: String, status: Int32) throws -> Run {
        try requireTools(executables: ["bash", "awk", "python3"])
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let log = repositoryRoot.appendingPathComponent("Tests/hardening/testdata/\(fixture)")
        let fake = directory.appendingPathComponent("swift")
        try "#!/bin/sh\ncat '\(log.path)'\nexit \(status)\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let path = directory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try runScript(["bash", "Tests/hardening/sanitizers.sh", sanitizer],
                                   environment: ["PATH": path, "SCRATCH_ROOT": directory.path], timeout: 60)
        return Run(output: result.output, status: result.status)
    }

    func testEveryTestOfACleanRunIsCountedWithItsSkippedOnes() throws {
        let run = try sanitizers("thread", fixture: "thread-clean.log", status: 0)
        XCTAssertTrue(run.output.contains("thread: exit 0, 5 passed, 0 failed, 1 skipped, 0 sanitizer report(s)"), run.output)
        XCTAssertEqual(run.lastLine, "sanitizers: 5 passed, 0 failed", run.output)
        XCTAssertEqual(run.status, 0, run.output)
    }

    func testAFailingTestAndARaceEachFailTheRun() throws {
        let run = try sanitizers("thread", fixture: "thread-failing.log", status: 1)
        XCTAssertTrue(run.output.contains("thread: exit 1, 6 passed, 1 failed, 1 skipped, 1 sanitizer report(s)"), run.output)
        XCTAssertTrue(run.output.contains("RACE"), run.output)
        XCTAssertEqual(run.lastLine, "sanitizers: 6 passed, 2 failed", run.output)
        XCTAssertEqual(run.status, 1, run.output)
    }

    func testARunThatDiesBeforeItsTotalFails() throws {
        let run = try sanitizers("address", fixture: "address-died.log", status: 1)
        XCTAssertTrue(run.output.contains("address: the run ended without XCTest's final total"), run.output)
        // What finished before the crash, the failed test, the crash and ASan's report.
        XCTAssertTrue(run.output.contains("address: exit 1, 5 passed, 2 failed, 1 skipped, 1 sanitizer report(s)"), run.output)
        XCTAssertEqual(run.lastLine, "sanitizers: 5 passed, 3 failed", run.output)
        XCTAssertEqual(run.status, 1, run.output)
    }
}
