import Foundation
import XCTest

/// Debian's headless `chromium`, run the way a test on a CI machine must run
/// it: as root without the sandbox, with a profile of the test's own, and
/// without any background networking, so it only ever talks to the URL given.
package struct Chromium {
    package let executable: URL

    /// The installed browser; on CI (`CI=true`) its absence is a failure, elsewhere a skip.
    package static func installed(file: StaticString = #filePath, line: UInt = #line) throws -> Chromium {
        try requireTools(executables: ["chromium"], file: file, line: line)
        guard let executable = executableOnPath("chromium") else { throw XCTSkip("chromium not found") }
        return Chromium(executable: executable)
    }

    package struct Run {
        package var status: Int32
        package var stdout: String
        /// Chromium's log, console messages of the page included (`--enable-logging=stderr`).
        package var stderr: String
    }

    /// The DOM after the page loaded, as the browser serialises it.
    package func dumpDOM(_ url: String) throws -> Run {
        try run(["--dump-dom", url])
    }

    /// A PNG of the page in a window of `width` x `height` CSS pixels, written to `path`.
    package func screenshot(_ url: String, to path: String, width: Int, height: Int) throws -> Run {
        try run(["--screenshot=\(path)", "--window-size=\(width),\(height)", "--hide-scrollbars", url])
    }

    private func run(_ arguments: [String], timeout: Double = 60) throws -> Run {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stdoutURL = directory.appendingPathComponent("stdout")
        let stderrURL = directory.appendingPathComponent("stderr")
        for url in [stdoutURL, stderrURL] { FileManager.default.createFile(atPath: url.path, contents: nil) }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--headless", "--no-sandbox", "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
                             "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                             "--disable-gpu", "--no-first-run", "--enable-logging=stderr", "--v=0"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return Run(status: process.terminationStatus,
                   stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
    }
}
