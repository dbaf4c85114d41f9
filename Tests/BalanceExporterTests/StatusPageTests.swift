import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceSupport

/// The status page and `/api/v1/accounts` as pure functions of the engine's
/// snapshot: the engine is driven by a test clock through every state.
final class StatusPageTests: XCTestCase {
    func testHTMLEscapingLeavesNothingAnHTMLParserWouldInterpret() {
        XCTAssertEqual(HTML.escape(#"<script>alert("x" & 'y')</script>"#),
                       "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;")
        XCTAssertEqual(HTML.escape("plain ünïcode 1,234.56"), "plain ünïcode 1,234.56")
        XCTAssertEqual(HTML.escape("&amp;"), "&amp;amp;", "an entity in upstream text is shown, not decoded")
    }

    func testMoneyIsGroupedWithItsDecimalsAndCurrency() {
        XCTAssertEqual(Money.format(1234.56, currency: "USD"), "1,234.56 USD")
        XCTAssertEqual(Money.format(-312.5, currency: "USD"), "-312.50 USD")
        XCTAssertEqual(Money.format(1_234_567.8, currency: "CNY"), "1,234,567.80 CNY")
        XCTAssertEqual(Money.format(0.125, currency: nil), "0.125")
        XCTAssertEqual(Money.format(0.1, currency: ""), "0.10")
        XCTAssertEqual(Money.format(100, currency: "EUR"), "100.00 EUR")
        XCTAssertEqual(Money.format(999_999, currency: nil), "999,999.00")
    }

    /// Five accounts, configured in this order, driven to every state:
    /// z-up and a-up healthy; b-stale failing within max_stale; c-new never
    /// succeeded; d-gone failing for longer than max_stale.
    private func drive() async -> (EngineSnapshot, start: Double) {
        let clock = TestClock()
        let start = clock.now()
        let engine = RefreshEngine(clock: clock, logger: .discard, jitter: { 0 })
        let up1 = FakeProvider(available: 1234.56, uin: "100000000001", clock: clock)
        let up2 = FakeProvider(available: 20, clock: clock)
        let stale = FakeProvider(available: 5310, uin: "100000000003", clock: clock)
        let new = FakeProvider(clock: clock)
        new.fail(.auth, code: "AuthFailure.SecretIdNotFound", message: "The SecretId is not found.")
        let gone = FakeProvider(available: -312.5, uin: "100000000005", clock: clock)
        let accounts = [makeAccount("z-up", uin: "100000000002", currency: "CNY", refreshInterval: 60),
                        makeAccount("b-stale", currency: "USD", refreshInterval: 60),
                        makeAccount("a-up", currency: "USD", refreshInterval: 60),
                        makeAccount("c-new", refreshInterval: 60),
                        makeAccount("d-gone", currency: "USD", refreshInterval: 60)]
        engine.apply(makeConfig(accounts, maxStale: 600),
                     providers: ["a-up": up1, "z-up": up2, "b-stale": stale, "c-new": new, "d-gone": gone])
        _ = await engine.refreshNow()
        gone.fail(.network, message: "DescribeAccountBalance to billing.tencentcloudapi.com:443 failed: connection refused")
        clock.advance(by: 601)
        _ = await engine.refreshNow()
        stale.fail(.upstream_error, code: "InternalError", message: #"An internal error <script>alert("x")</script> occurred."#)
        clock.advance(by: 61)
        return (await engine.refreshNow(), start)
    }

    func testRowsCarryEachStateAsTheMetricsShowItWorstFirstThenByName() async {
        let (snapshot, start) = await drive()
        let rows = AccountRow.rows(snapshot)
        XCTAssertEqual(rows.map(\.name), ["d-gone", "b-stale", "c-new", "a-up", "z-up"])
        XCTAssertEqual(rows.map(\.state), [.gone, .stale, .waiting, .up, .up])
        XCTAssertEqual(AccountRow.summary(rows), "5 accounts: 2 up, 1 gone, 1 stale, 1 waiting")
        // The uin as the metrics label it: reported, configured, else the name.
        XCTAssertEqual(rows.map(\.uin), ["100000000005", "100000000003", "c-new", "100000000001", "100000000002"])
        // A balance exactly where balance_available is exported: not for gone or waiting.
        for row in rows {
            XCTAssertEqual(row.available, snapshot.value(Catalog.available, uin: row.uin), row.name)
        }
        XCTAssertEqual(rows[1].available, 5310)
        XCTAssertNil(rows[0].available)
        XCTAssertEqual(rows[0].lastSuccess, start, "gone keeps the time of its last success")
        XCTAssertEqual(rows.map { $0.error?.reason }, [.network, .upstream_error, .auth, nil, nil])
        XCTAssertEqual(rows[2].error?.code, "AuthFailure.SecretIdNotFound")
        XCTAssertEqual(AccountRow.summary([]), "0 accounts")
        XCTAssertEqual(AccountRow.summary(Array(rows.suffix(1))), "1 account: 1 up")
    }

    func testAStaleRowRendersItsFactsAndTheEscapedUpstreamMessage() async {
        let (snapshot, start) = await drive()
        let rows = AccountRow.rows(snapshot)
        // b-stale: its last success 601 s after the start, a failure 61 s later; the first backoff with jitter 0 is 1 s.
        XCTAssertEqual(StatusPage.html(rows[1], now: snapshot.now), """
        <tr class="stale"><td class="name" data-label="Account">b-stale</td><td data-label="Provider">fake</td>\
        <td class="uin" data-label="uin">100000000003</td><td data-label="Currency">USD</td>\
        <td class="number" data-label="Available">5,310.00 USD</td><td data-label="State"><span class="state">stale</span></td>\
        <td class="number" data-label="Data age">1m1s</td><td class="number" data-label="Last refresh took">0s</td>\
        <td data-label="Next refresh">in 1s</td><td class="problem" data-label="Problem"><span class="reason">upstream_error</span> \
        <code>InternalError</code> An internal error &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; occurred.</td></tr>

        """)
        XCTAssertEqual(snapshot.now, start + 662)
        let up = StatusPage.html(rows[3], now: snapshot.now)
        XCTAssertTrue(up.contains(#"<td class="number" data-label="Available">1,234.56 USD</td>"#), up)
        XCTAssertTrue(up.contains(#"<td data-label="Next refresh">in 1m</td>"#), "refreshed by the last scrape: \(up)")
        XCTAssertTrue(up.contains(#"<td class="problem" data-label="Problem"></td>"#), "no problem shown for an up account")
        let gone = StatusPage.html(rows[0], now: snapshot.now)
        XCTAssertTrue(gone.contains(#"data-label="Available">—</td>"#) && gone.contains(#"data-label="Data age">11m2s</td>"#), gone)
    }

    func testThePageHasTheBuildFactsTheSummaryAndNoScriptOrForeignResource() async {
        let (snapshot, _) = await drive()
        let page = String(decoding: StatusPage.html(snapshot, telemetryPath: "/metrics"), as: UTF8.self)
        XCTAssertTrue(page.contains("Version \(BuildInfo.version), revision \(BuildInfo.revision), Swift \(BuildInfo.swiftVersion)."), page)
        XCTAssertTrue(page.contains(#"<p class="summary">5 accounts: 2 up, 1 gone, 1 stale, 1 waiting</p>"#), page)
        XCTAssertTrue(page.contains(#"<link rel="stylesheet" href="/static/status.css">"#))
        XCTAssertTrue(page.contains(#"<meta name="viewport" content="width=device-width, initial-scale=1">"#))
        XCTAssertTrue(page.contains("As of 2027-01-15T08:11:02.000Z."), page)
        XCTAssertEqual(page.components(separatedBy: "<tr class=").count - 1, 5)
        XCTAssertFalse(page.lowercased().contains("<script"), "the upstream's <script> is text")
        XCTAssertFalse(page.contains("//"), "no resource from elsewhere")
        let empty = EngineSnapshot(accounts: [], now: snapshot.now, maxStale: 600, generation: 0)
        let emptyPage = String(decoding: StatusPage.html(empty, telemetryPath: "/metrics"), as: UTF8.self)
        XCTAssertTrue(emptyPage.contains(#"<p class="summary">0 accounts</p>"#) && !emptyPage.contains("<table>"), emptyPage)
    }

    func testTheAccountsAPIIsTheSameFactsAsJSON() async throws {
        let (snapshot, start) = await drive()
        let json = AccountsAPI.json(snapshot)
        // d-gone failed 601 s and 662 s after the start: the second backoff (jitter 0) is 2 s.
        let gone = #"{"age_seconds":662,"available":null,"currency":"USD","error":{"code":null,"message":"DescribeAccountBalance to billing.tencentcloudapi.com:443 failed: connection refused","reason":"network"},"#
            + #""last_refresh_duration_seconds":0,"last_success_timestamp_seconds":\#(Int(start)),"name":"d-gone","next_refresh_timestamp_seconds":\#(Int(start) + 664),"provider":"fake","state":"gone","uin":"100000000005"}"#
        let text = String(decoding: json, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"accounts":["# + gone + ","), text)
        XCTAssertTrue(text.hasSuffix(#"],"summary":{"accounts":5,"gone":1,"stale":1,"up":2,"waiting":1},"time":\#(Int(start) + 662)}"# + "\n"), text)
        let decoded = try JSONValue.decode(json)
        guard case .array(let accounts)? = decoded["accounts"] else { return XCTFail(text) }
        XCTAssertEqual(accounts.compactMap { $0["name"]?.string }, ["d-gone", "b-stale", "c-new", "a-up", "z-up"])
        XCTAssertEqual(accounts[1]["error"]?["message"]?.string, #"An internal error <script>alert("x")</script> occurred."#)
        XCTAssertEqual(accounts[2]["available"], .null, "waiting: no balance yet")
        XCTAssertEqual(accounts[2]["last_success_timestamp_seconds"], .null)
        XCTAssertEqual(accounts[3]["available"]?.number?.double, 1234.56)
        XCTAssertEqual(accounts[3]["error"], .null)
    }
}
