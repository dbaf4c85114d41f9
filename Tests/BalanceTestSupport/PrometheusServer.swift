import Foundation
import XCTest

/// A real Prometheus server (Debian's `prometheus`) on 127.0.0.1, scraping
/// the given targets every second, for end-to-end tests. Stopped by `stop()`.
package final class PrometheusServer {
    package let port: Int
    private let process: Process
    private let directory: URL

    /// Returns nil when `prometheus` is not installed (see `prometheusMissing`).
    /// `scrapeConfigs`: the `scrape_configs` entries as YAML list items, instead of one plain job for `targets`.
    package static func start(targets: [String], ruleFiles: [String] = [], scrapeConfigs: String? = nil,
                              testCase: XCTestCase) throws -> PrometheusServer? {
        guard let binary = executableOnPath("prometheus") else { return nil }
        let directory = try temporaryDirectory()
        let rules = ruleFiles.isEmpty ? "" : "rule_files:\n" + ruleFiles.map { "  - \"\($0)\"\n" }.joined()
        let jobs = scrapeConfigs ?? """
              - job_name: balance_exporter
                static_configs:
                  - targets: [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))]

            """
        let config = """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        \(rules)scrape_configs:
        \(jobs)
        """
        let configURL = directory.appendingPathComponent("prometheus.yml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--config.file=\(configURL.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                             "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        let log = try FileHandle(forWritingTo: {
            let url = directory.appendingPathComponent("prometheus.log")
            FileManager.default.createFile(atPath: url.path, contents: nil)
            return url
        }())
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let server = PrometheusServer(port: port, process: process, directory: directory)
        testCase.addTeardownBlock { server.stop() }
        return server
    }

    private init(port: Int, process: Process, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    package func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    package var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? ""
    }

    /// `GET /api/v1/<path>` decoded as JSON, or nil if Prometheus does not answer yet.
    package func api(_ pathAndQuery: String) -> [String: Any]? {
        guard let response = try? RawHTTPClient.get(port: port, path: "/api/v1/" + pathAndQuery, timeout: 5),
              response.status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else { return nil }
        return json
    }

    /// The instant-vector result of `query` (each element's labels and value).
    package func query(_ query: String) -> [(labels: [String: String], value: Double)] {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        guard let json = api("query?query=\(encoded)"), let data = json["data"] as? [String: Any],
              let result = data["result"] as? [[String: Any]] else { return [] }
        return result.compactMap { element in
            guard let metric = element["metric"] as? [String: String], let value = element["value"] as? [Any],
                  value.count == 2, let text = value[1] as? String, let number = Double(text) else { return nil }
            return (metric, number)
        }
    }

    /// Polls `condition` every 0.25 s up to `timeout` seconds (real time: Prometheus scrapes on its own clock).
    package func waitFor(timeout: Double = 60, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(250_000)
        }
        return condition()
    }
}

/// Fail on CI, skip elsewhere, when the Prometheus server is not installed.
package func prometheusMissing(file: StaticString = #filePath, line: UInt = #line) throws {
    try componentMissing("prometheus not found on PATH (install Debian's `prometheus` package)", file: file, line: line)
}

/// A port on 127.0.0.1 that was free a moment ago.
package func freeLoopbackPort() throws -> Int {
    let (server, port) = try startLoopbackServer(LoopbackHandler { _ in .text(200, "") })
    server.shutdown(grace: 0)
    return port
}
