import BalanceTestSupport
import Synchronization
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP

final class RouterTests: XCTestCase {
    final class Endpoints: ExporterEndpoints {
        let telemetryPath = "/metrics"
        let outcome: ReloadOutcome
        let reloads = Mutex(0)
        init(reload outcome: ReloadOutcome = .reloaded) { self.outcome = outcome }
        var isReady: Bool { true }
        func statusSnapshot() -> EngineSnapshot { EngineSnapshot(accounts: [], now: 1_800_000_000, maxStale: 600, generation: 0) }
        func metrics(_ request: HTTPRequest) -> HTTPResponse { .text(200, "metrics") }
        func reloadUnlessRunning() -> ReloadOutcome {
            reloads.withLock { $0 += 1 }
            return outcome
        }
    }
    let router = Router(Endpoints())

    func status(_ method: String, _ target: String, on router: Router? = nil) -> HTTPResponse {
        (router ?? self.router).handle(HTTPRequest(method: method, target: target))
    }

    func testRoutes() {
        XCTAssertEqual(status("GET", "/metrics").status, 200)
        XCTAssertEqual(String(decoding: status("GET", "/metrics?debug=1").body, as: UTF8.self), "metrics", "query string ignored")
        XCTAssertEqual(status("HEAD", "/metrics").status, 200)
        XCTAssertEqual(status("GET", "/-/healthy").status, 200)
        XCTAssertEqual(status("GET", "/-/ready").status, 200)
        XCTAssertEqual(status("GET", "/nope").status, 404)
        XCTAssertEqual(status("GET", "/metrics/").status, 404)
        let post = status("POST", "/metrics")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.headers.first { $0.name == "Allow" }?.value, "GET, HEAD")
        XCTAssertEqual(status("GET", "/-/reload").status, 405)
    }

    func testReloadNeedsTheLifecycleFlagAsInPrometheus() {
        let endpoints = Endpoints()
        let closed = Router(endpoints)
        for method in ["POST", "PUT"] {
            let refused = status(method, "/-/reload", on: closed)
            XCTAssertEqual(refused.status, 403)
            XCTAssertEqual(String(decoding: refused.body, as: UTF8.self), "Lifecycle API is not enabled.")
        }
        XCTAssertEqual(endpoints.reloads.withLock { $0 }, 0, "nothing was reloaded")
        let open = Router(endpoints, enableLifecycle: true)
        XCTAssertEqual(status("POST", "/-/reload", on: open).status, 200)
        XCTAssertEqual(status("PUT", "/-/reload", on: open).status, 200)
        XCTAssertEqual(endpoints.reloads.withLock { $0 }, 2)
    }

    func testAFailedOrBusyReloadSaysSoWithoutTheProblems() {
        let problems = ConfigProblems([ConfigProblem(location: "config file /etc/secret/path.json", key: "client_secret", message: "value s3cr3t")])
        let failed = status("POST", "/-/reload", on: Router(Endpoints(reload: .failed(problems)), enableLifecycle: true))
        XCTAssertEqual(failed.status, 500)
        let text = String(decoding: failed.body, as: UTF8.self)
        XCTAssertTrue(text.contains("Reload failed") && text.contains("log"), text)
        XCTAssertFalse(text.contains("/etc/secret") || text.contains("s3cr3t") || text.contains("client_secret"), text)
        let busy = status("POST", "/-/reload", on: Router(Endpoints(reload: .alreadyRunning), enableLifecycle: true))
        XCTAssertEqual(busy.status, 503)
        XCTAssertTrue(String(decoding: busy.body, as: UTF8.self).contains("in progress"))
    }

    func testLandingPageLinksTheMetricsPathAndNamesTheVersion() {
        let page = String(decoding: status("GET", "/").body, as: UTF8.self)
        XCTAssertTrue(page.contains(#"<a href="/metrics">"#))
        XCTAssertTrue(page.contains(BuildInfo.version))
        let snapshot = Endpoints().statusSnapshot()
        XCTAssertTrue(String(decoding: StatusPage.html(snapshot, telemetryPath: "/<x>"), as: UTF8.self).contains(#"href="/&lt;x&gt;""#))
    }

    func testThePageTheAccountsAPIAndTheStylesheetAnswerGETAndHEADOnly() {
        for (path, type) in [("/", "text/html; charset=utf-8"), ("/api/v1/accounts", "application/json"),
                             ("/static/status.css", "text/css; charset=utf-8")] {
            for method in ["GET", "HEAD"] {
                let response = status(method, path)
                XCTAssertEqual(response.status, 200, "\(method) \(path)")
                XCTAssertEqual(response.headers["Content-Type"], type, path)
                XCTAssertEqual(response.headers["X-Content-Type-Options"], "nosniff", path)
            }
            let post = status("POST", path)
            XCTAssertEqual(post.status, 405, path)
            XCTAssertEqual(post.headers["Allow"], "GET, HEAD", path)
        }
        // Even a missed escape could run no script and load nothing but the stylesheet.
        XCTAssertEqual(status("GET", "/").headers["Content-Security-Policy"], "default-src 'none'; style-src 'self'")
        XCTAssertEqual(status("GET", "/api/v1/accounts").headers["Cache-Control"], "no-cache")
    }
}
