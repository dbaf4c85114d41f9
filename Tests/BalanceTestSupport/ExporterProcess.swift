import Foundation
import XCTest

/// The built `balance_exporter` executable, in the build directory that
/// holds the running test binary (`swift test` builds both).
package func exporterBinary() -> URL {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("balance_exporter")
}

/// A running `balance_exporter` process with captured stdout and stderr.
package final class ExporterProcess {
    package let process = Process()
    private let outputURL: URL

    package init(_ arguments: [String], environment: [String: String] = [:]) throws {
        outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("exporter-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputURL)
        process.executableURL = exporterBinary()
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: outputURL)
    }

    package var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// Waits up to `timeout` seconds for the process to exit; nil if it did not.
    package func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Runs to completion: exit status and output.
    package static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 20) throws -> (status: Int32?, output: String) {
        let exporter = try ExporterProcess(arguments, environment: environment)
        let status = exporter.waitForExit(timeout: timeout)
        return (status, exporter.output)
    }
}
