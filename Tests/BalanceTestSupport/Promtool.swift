import Foundation
import XCTest

/// Runs `promtool check metrics` (from `PATH`) on `body`, given on stdin.
///
/// Returns nil when promtool is not installed; then call
/// `promtoolMissing()` so CI fails and a developer machine skips. Otherwise
/// returns promtool's exit code (0 clean, 3 lint findings, 1 parse error) and
/// its combined stdout and stderr. Throws only if promtool cannot be run.
/// promtool reads text format 0.0.4 only.
package func promtoolCheckMetrics(_ body: [UInt8]) throws -> (exitCode: Int32, output: String)? {
    guard let promtool = executableOnPath("promtool") else { return nil }
    // The body goes through a file rather than a pipe so a large body and a
    // chatty promtool cannot deadlock each other.
    let input = FileManager.default.temporaryDirectory
        .appendingPathComponent("promtool-input-\(UUID().uuidString).prom")
    try Data(body).write(to: input)
    defer { try? FileManager.default.removeItem(at: input) }

    let process = Process()
    process.executableURL = promtool
    process.arguments = ["check", "metrics"]
    process.standardInput = try FileHandle(forReadingFrom: input)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// What a test does when promtool is absent: fail on CI (`CI=true`), where
/// the tool is expected to be installed, skip elsewhere.
package func promtoolMissing(file: StaticString = #filePath, line: UInt = #line) throws {
    try componentMissing("promtool not found on PATH (install Debian's `prometheus` package)", file: file, line: line)
}

/// A test component (a tool, a module) is not installed: a failure on CI
/// (`CI=true`), where `.ci/run` installs it, a skip elsewhere.
package func componentMissing(_ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail(message, file: file, line: line)
    } else {
        throw XCTSkip(message, file: file, line: line)
    }
}

package func executableOnPath(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
        let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}
