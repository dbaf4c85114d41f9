import XCTest
@testable import BalanceExporter

final class RouterTests: XCTestCase {
    final class Endpoints: ExporterEndpoints {
        let telemetryPath = "/metrics"
        var isReady: Bool { true }
        func metrics(_ request: HTTPRequest) -> HTTPResponse { .text(200, "metrics") }
        func reload() -> ConfigProblems? { ConfigProblems([ConfigProblem(location: "config file", key: "x", message: "bad")]) }
    }
    let router = Router(Endpoints())

    func status(_ method: String, _ target: String) -> HTTPResponse {
        router.handle(HTTPRequest(method: method, target: target))
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
        let reload = status("POST", "/-/reload")
        XCTAssertEqual(reload.status, 500)
        XCTAssertTrue(String(decoding: reload.body, as: UTF8.self).contains("config file: x: bad"))
    }

    func testLandingPageLinksTheMetricsPathAndNamesTheVersion() {
        let page = String(decoding: status("GET", "/").body, as: UTF8.self)
        XCTAssertTrue(page.contains(#"<a href="/metrics">"#))
        XCTAssertTrue(page.contains(BuildInfo.version))
        XCTAssertTrue(LandingPage.html(telemetryPath: "/<x>").contains("/&lt;x&gt;"))
    }
}
