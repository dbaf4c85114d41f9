import Foundation
import XCTest

/// The repository's top directory, found from this file's path.
package let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a command from the repository's top directory; returns its exit
/// code and combined output. Output goes through a file so a chatty
/// command cannot fill a pipe and block.
package func runScript(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 600) throws -> (status: Int32, output: String) {
    let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: logURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: logURL) }
    let log = try FileHandle(forWritingTo: logURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = log
    process.standardError = log
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(100_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
    }
    try log.close()
    return (process.terminationStatus, (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
}

/// Whether the tools a script needs are installed; on CI (`CI=true`) a
/// missing tool is a failure, elsewhere the test is skipped.
package func requireTools(executables: [String] = [], pythonModules: [String] = [],
                  file: StaticString = #filePath, line: UInt = #line) throws {
    var missing = executables.filter { executableOnPath($0) == nil }
    for module in pythonModules {
        if let result = try? runScript(["python3", "-c", "import \(module)"], timeout: 60), result.status != 0 {
            missing.append("python module \(module)")
        }
    }
    guard !missing.isEmpty else { return }
    try componentMissing("missing: \(missing.joined(separator: ", ")) (`.ci/run`, as root, installs all the suite needs)",
                         file: file, line: line)
    // On CI the failure is recorded; stop the test here rather than run the script without its tools.
    throw XCTSkip("failed: missing tools")
}

/// A fresh directory under the system's temporary directory, for one test's files.
package func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("balance-exporter-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
