import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceSimulators
@testable import BalanceSupport

/// The status page as a person sees it: rendered by a real browser
/// (Debian's headless chromium) from an exporter serving on loopback.
final class StatusPageBrowserTests: XCTestCase {
    /// One table row of the rendered DOM.
    struct Row: Equatable {
        var state: String
        var html: String
    }

    /// The rows of the DOM by account name (`<tr class="STATE">…<td … data-label="Account">NAME</td>…</tr>`).
    func rows(_ dom: String) throws -> [String: Row] {
        let pattern = try NSRegularExpression(pattern: #"<tr class="([a-z]+)">(.*?)</tr>"#, options: [.dotMatchesLineSeparators])
        let name = try NSRegularExpression(pattern: #"data-label="Account">([^<]*)</td>"#)
        var rows: [String: Row] = [:]
        for match in pattern.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)) {
            guard let state = Range(match.range(at: 1), in: dom), let body = Range(match.range(at: 2), in: dom) else { continue }
            let html = String(dom[body])
            guard let found = name.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)),
                  let account = Range(found.range(at: 1), in: html) else { continue }
            rows[String(html[account])] = Row(state: String(dom[state]), html: html)
        }
        return rows
    }

    func startExporter(_ config: ExporterConfig, clock: any WallClock) throws -> Int {
        var options = ExporterOptions()
        options.listenAddresses = ["127.0.0.1:0"]
        let exporter = Exporter(source: .fixed(config), options: options, environment: [:], logger: .discard, clock: clock)
        try exporter.start()
        addTeardownBlock { exporter.shutdown(grace: 0) }
        return try XCTUnwrap(exporter.boundPorts.first)
    }

    /// Loads the page, fails on a Content-Security-Policy violation (the
    /// stylesheet is the exporter's own), returns the DOM.
    func render(_ browser: Chromium, _ url: String) throws -> String {
        let run = try browser.dumpDOM(url)
        XCTAssertEqual(run.status, 0, run.stderr)
        let violations = run.stderr.split(separator: "\n").filter { $0.contains("Content Security Policy") }
        XCTAssertEqual(violations, [], "the page loads nothing its own policy forbids")
        return run.stdout
    }

    func testEveryDemoAccountHasItsRowAndStateAndTheFlakyOneItsReason() throws {
        let browser = try Chromium.installed()
        let clock = TestClock()
        let demo = try DemoUpstreams.start(logger: .discard, clock: clock)
        addTeardownBlock { demo.stop() }
        // The demo's accounts as --demo runs them, without the providers' rate
        // limits: their spacing waits on the clock, which only this test moves.
        var config = demo.config
        for name in config.providerLimits.keys {
            config.providerLimits[name] = ProviderLimits(requestsPerSecond: .infinity, maxConcurrency: 100)
        }
        let port = try startExporter(config, clock: clock)
        // demo-flaky (refreshed every 5 s) fails its third request with Tencent's
        // InternalError envelope: three scrapes, 5 s apart on the test clock.
        for scrape in 1...3 {
            if scrape > 1 { clock.advance(by: DemoTencentAccounts.flaky.refreshInterval) }
            XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/metrics").status, 200)
        }

        let dom = try render(browser, "http://127.0.0.1:\(port)/")
        XCTAssertTrue(dom.contains("<h1>balance_exporter</h1>") && dom.contains("Version \(BuildInfo.version)"), dom)
        XCTAssertTrue(dom.contains(#"<p class="summary">7 accounts: 6 up, 1 stale</p>"#), dom)
        let rows = try rows(dom)
        XCTAssertEqual(Set(rows.keys), Set(demo.config.accounts.map(\.name)), dom)
        for account in demo.config.accounts where account.name != DemoTencentAccounts.flaky.name {
            XCTAssertEqual(rows[account.name]?.state, "up", account.name)
            XCTAssertEqual(rows[account.name]?.html.contains(#"<td class="problem" data-label="Problem"></td>"#), true, account.name)
        }
        let flaky = try XCTUnwrap(rows[DemoTencentAccounts.flaky.name])
        XCTAssertEqual(flaky.state, "stale")
        XCTAssertTrue(flaky.html.contains(#"<td class="uin" data-label="uin">200000000005</td>"#), flaky.html)
        XCTAssertTrue(flaky.html.contains("<code>InternalError</code> An internal error has occurred. Retry your request (simulated by --demo)."),
                      flaky.html)
        // Its last good balance, read 5 s after the start: 5,310.00 USD less 0.002 USD/s.
        XCTAssertTrue(flaky.html.contains(#"<td class="number" data-label="Available">5,309.99 USD</td>"#), flaky.html)
        XCTAssertTrue(dom.firstRange(of: #"<tr class="stale">"#)?.lowerBound ?? dom.endIndex < dom.firstRange(of: #"<tr class="up">"#)?.lowerBound ?? dom.startIndex,
                      "the stale account first")

        // Kept for a person to look at: wide and phone-sized.
        let directory = try temporaryDirectory()
        for (name, width, height) in [("status-page-wide.png", 1400, 900), ("status-page-narrow.png", 390, 1800)] {
            let path = directory.appendingPathComponent(name).path
            let run = try browser.screenshot("http://127.0.0.1:\(port)/", to: path, width: width, height: height)
            XCTAssertEqual(run.status, 0, run.stderr)
            let png = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG at \(path)")
            print("status page screenshot (\(width)x\(height)): \(path)")
        }
    }

    func testAnUpstreamMessageCarryingAScriptIsShownAsTextAndRunsNothing() throws {
        let browser = try Chromium.installed()
        let clock = TestClock()
        let tencent = TencentCloudSimulator(clock: clock)
        tencent.addCredential(secretId: "AKIDbrowser", secretKey: "browser-secret-key", account: "main")
        let upstream = try serveOnLoopback(tencent)
        let message = #"<script>document.title='pwned'</script><img src=x onerror="document.title='pwned'"> try again"#
        tencent.enqueueFaults([.error(code: "InternalError", message: message)])
        let account = AccountConfig(name: "<b>hostile</b>", provider: "tencentcloud", endpoint: "http://127.0.0.1:\(upstream)",
                                    currency: "USD", refreshInterval: 60,
                                    values: ["secret_id": .string("AKIDbrowser"), "secret_key": .string("browser-secret-key")])
        let port = try startExporter(ExporterConfig(accounts: [account], source: "test"), clock: clock)
        // One account: its first call waits on no rate limit.
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/metrics").status, 200)

        let dom = try render(browser, "http://127.0.0.1:\(port)/")
        XCTAssertFalse(dom.lowercased().contains("<script"), dom)
        XCTAssertFalse(dom.lowercased().contains("<img"), dom)
        XCTAssertFalse(dom.contains("<b>"), dom)
        XCTAssertTrue(dom.contains("<title>balance_exporter</title>"), "no script ran: \(dom)")
        let row = try XCTUnwrap(try rows(dom)["&lt;b&gt;hostile&lt;/b&gt;"], dom)
        XCTAssertEqual(row.state, "waiting")
        XCTAssertTrue(row.html.contains(#"&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror="document.title='pwned'"&gt; try again"#),
                      row.html)
    }
}
