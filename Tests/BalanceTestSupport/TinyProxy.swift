import Foundation
import XCTest

/// Debian's `tinyproxy` on 127.0.0.1 with a configuration of the test's
/// own (a free port, never the packaged daemon's), in the foreground
/// (`-d`), stopped at the test's teardown. `BasicAuth` when `credentials`
/// are given; CONNECT allowed to `connectPorts` only (tinyproxy answers
/// 403 to the others).
package final class TinyProxy: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test thread.
    package let port: Int
    private let process: Process
    private let directory: URL

    /// Nil when tinyproxy is not installed (see `componentMissing`).
    package static func start(credentials: (user: String, password: String)? = nil, connectPorts: [Int] = [],
                              testCase: XCTestCase) throws -> TinyProxy? {
        guard let binary = executableOnPath("tinyproxy") else { return nil }
        let directory = try temporaryDirectory()
        let port = try freeLoopbackPort()
        var config = "Port \(port)\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nLogLevel Info\n"
        if let credentials { config += "BasicAuth \(credentials.user) \(credentials.password)\n" }
        for connectPort in connectPorts { config += "ConnectPort \(connectPort)\n" }
        let configURL = directory.appendingPathComponent("tinyproxy.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["-d", "-c", configURL.path]
        let log = directory.appendingPathComponent("tinyproxy.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let proxy = TinyProxy(port: port, process: process, directory: directory)
        testCase.addTeardownBlock { proxy.stop() }
        guard waitUntil(timeout: 10, { proxy.log.contains("Accepting connections") }) else {
            throw TLSTestError("tinyproxy did not start: \(proxy.log)")
        }
        return proxy
    }

    private init(port: Int, process: Process, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    package var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("tinyproxy.log"), encoding: .utf8)) ?? ""
    }

    package func stop() {
        if process.isRunning {
            // SIGKILL: nothing to flush, and a test process may hand its
            // children a blocked SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Fail on CI, skip elsewhere, when tinyproxy is not installed.
package func tinyproxyMissing(file: StaticString = #filePath, line: UInt = #line) throws {
    try componentMissing("tinyproxy not found on PATH (install Debian's `tinyproxy` package)", file: file, line: line)
}
