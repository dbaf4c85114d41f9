import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceSupport

/// The engine against what an upstream or a configuration can get wrong:
/// two accounts reporting one `uin`, oversized readings, `Retry-After`,
/// reloads while calls are in flight.
/// A provider field with a label an upstream controls (like a temporary credit's).
private let creditAmount = MetricDescriptor(name: "balance_test_credit_amount", type: .gauge, help: "Test credit.")

final class RefreshEngineHardeningTests: XCTestCase {
    private func families(_ snapshot: EngineSnapshot) -> [MetricFamily] { AccountFamilies.families(snapshot) }

    /// Every series once: a repeated label set would make Prometheus reject the scrape or merge two accounts.
    private func assertNoSeriesCollide(_ snapshot: EngineSnapshot, file: StaticString = #filePath, line: UInt = #line) {
        for family in families(snapshot) {
            XCTAssertEqual(Set(family.samples.map(\.labels)).count, family.samples.count, family.descriptor.name, file: file, line: line)
        }
    }

    private func uinLabels(_ snapshot: EngineSnapshot) -> [String] {
        snapshot.accounts.map { AccountFamilies.uin($0.config, $0.status) }
    }

    // MARK: Two accounts, one uin

    func testTwoAccountsReportingTheSameUINExportOnlyTheFirstAndWarnOnce() async {
        let clock = TestClock()
        let logs = LogCapture()
        let engine = RefreshEngine(clock: clock, logger: logs.logger(), jitter: { 0 })
        let first = FakeProvider(available: 10, uin: "100001", clock: clock)
        let second = FakeProvider(available: 99, uin: "100001", clock: clock)
        engine.apply(makeConfig([makeAccount("first"), makeAccount("second")]), providers: ["first": first, "second": second])
        // The first finishes first (the other order: the next test).
        second.hold()
        let refresh = Task { await engine.refreshNow() }
        XCTAssertTrue(waitUntil { engine.snapshot().value(Catalog.up, uin: "100001") == 1 })
        second.release()

        var snapshot = await refresh.value
        XCTAssertEqual(uinLabels(snapshot), ["100001", "second"])
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "100001"), 10, "the first account's value, never the second's")
        XCTAssertNil(snapshot.value(Catalog.available, uin: "second"))
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "100001"), 1)
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "second"), 0)
        XCTAssertEqual(snapshot.value(Catalog.upstreamErrors, uin: "second", [Label("reason", "duplicate")]), 1)
        assertNoSeriesCollide(snapshot)

        // Both refresh again (the duplicate after the maximum backoff): still one warning.
        clock.advance(by: 300)
        snapshot = await engine.refreshNow()
        XCTAssertEqual(second.calls, 2)
        XCTAssertEqual(snapshot.value(Catalog.upstreamErrors, uin: "second", [Label("reason", "duplicate")]), 2)
        let warnings = logs.all.filter { $0.contains("same uin") }
        XCTAssertEqual(warnings.count, 1, logs.all.joined(separator: "\n"))
        XCTAssertTrue(warnings.first?.contains("account=second duplicate_of=first provider=fake uin=100001") ?? false,
                      warnings.first ?? "")

        // Remove the first: the second owns its uin again and is refreshed at the next scrape.
        engine.apply(makeConfig([makeAccount("second")]), providers: ["second": second])
        snapshot = await engine.refreshNow()
        XCTAssertEqual(second.calls, 3)
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "100001"), 99)
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "100001"), 1)
    }

    func testAnEarlierAccountTakesTheUINFromALaterOneThatRefreshedFirst() async {
        let clock = TestClock()
        let logs = LogCapture()
        let engine = RefreshEngine(clock: clock, logger: logs.logger())
        let first = FakeProvider(available: 10, uin: "100001", clock: clock)
        let second = FakeProvider(available: 99, uin: "100001", clock: clock)
        first.hold()
        engine.apply(makeConfig([makeAccount("first"), makeAccount("second")]), providers: ["first": first, "second": second])
        let refresh = Task { await engine.refreshNow() }
        XCTAssertTrue(waitUntil { engine.snapshot().value(Catalog.up, uin: "100001") == 1 })
        XCTAssertEqual(engine.snapshot().value(Catalog.available, uin: "100001"), 99, "the second alone so far")

        first.release()
        let snapshot = await refresh.value
        XCTAssertEqual(uinLabels(snapshot), ["100001", "second"])
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "100001"), 10)
        XCTAssertNil(snapshot.value(Catalog.available, uin: "second"))
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "second"), 0)
        assertNoSeriesCollide(snapshot)
        XCTAssertEqual(logs.all.filter { $0.contains("account=second duplicate_of=first") }.count, 1, logs.all.joined(separator: "\n"))
    }

    func testTheSameConfiguredUINTwiceIsADuplicateBeforeAnyRefresh() {
        let engine = RefreshEngine(clock: TestClock(), logger: .discard)
        engine.apply(makeConfig([makeAccount("a", uin: "7"), makeAccount("b", uin: "7"), makeAccount("c", provider: "other", uin: "7")]),
                     providers: ["a": FakeProvider(), "b": FakeProvider(), "c": FakeProvider()])
        let snapshot = engine.snapshot()
        XCTAssertEqual(uinLabels(snapshot), ["7", "b", "7"], "another provider's uin 7 is another account")
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "b"), 0)
        assertNoSeriesCollide(snapshot)
    }

    // MARK: Bounds

    func testDroppedValuesAreCountedAndLoggedOncePerChange() async {
        let clock = TestClock()
        let logs = LogCapture()
        let engine = RefreshEngine(clock: clock, logger: logs.logger())
        let provider = FakeProvider(clock: clock)
        provider.succeed(available: 1, dropped: 50)
        engine.apply(makeConfig([makeAccount("a", refreshInterval: 60)]), providers: ["a": provider])
        for _ in 0..<3 {
            _ = await engine.refreshNow()
            clock.advance(by: 60)
        }
        XCTAssertEqual(engine.snapshot().value(Catalog.upstreamValuesDropped, uin: "a"), 150)
        XCTAssertEqual(logs.all.filter { $0.contains("values dropped") }.count, 1, "not once per refresh")
        XCTAssertTrue(logs.all.contains { $0.contains("values dropped") && $0.contains("account=a provider=fake dropped=50") })

        provider.succeed(available: 1, dropped: 7)
        _ = await engine.refreshNow()
        XCTAssertEqual(engine.snapshot().value(Catalog.upstreamValuesDropped, uin: "a"), 157)
        XCTAssertEqual(logs.all.filter { $0.contains("values dropped") }.count, 2, "logged again on a change")
    }

    func testAnOversizedUINOrLabelFromTheUpstreamNeverBecomesALabel() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let provider = FakeProvider(clock: clock)
        let huge = String(repeating: "9", count: 300_000)
        provider.succeed(available: 5, fields: [
            FieldSample(creditAmount, 1, labels: [Label("credit", huge)]),
            FieldSample(creditAmount, 2, labels: [Label("credit", String(repeating: "é", count: 256))]),
        ], uin: huge)
        engine.apply(makeConfig([makeAccount("a")]), providers: ["a": provider])
        let snapshot = await engine.refreshNow()
        XCTAssertEqual(uinLabels(snapshot), ["a"], "an oversized uin is no uin")
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "a"), 5)
        XCTAssertEqual(snapshot.value(creditAmount, uin: "a"), 2, "256 characters still fit")
        XCTAssertEqual(snapshot.value(Catalog.upstreamValuesDropped, uin: "a"), 2)
        let longest = families(snapshot).flatMap(\.samples).flatMap(\.labels).map(\.value.count).max()
        XCTAssertEqual(longest, BalanceReading.maxLabelValueLength)
    }

    // MARK: Retry-After and the log

    func testRetryAfterDelaysTheNextAttemptUpToTheBackoffMaximumAndTheLogSaysSo() async {
        let clock = TestClock()
        let logs = LogCapture()
        let engine = RefreshEngine(clock: clock, logger: logs.logger(), jitter: { 0 })
        let provider = FakeProvider(clock: clock)
        provider.fail(.throttled, retryAfter: 100)
        engine.apply(makeConfig([makeAccount("a")]), providers: ["a": provider])
        _ = await engine.refreshNow()
        // The backoff alone would retry after 7.5 s.
        clock.advance(by: 99)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 1, "not before Retry-After")
        clock.advance(by: 1)
        provider.fail(.throttled, code: "RequestLimitExceeded", retryAfter: 86_400)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 2)
        clock.advance(by: 300)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 3, "Retry-After is capped at the backoff maximum")

        let failures = logs.all.filter { $0.contains("account refresh failed") }
        XCTAssertEqual(failures.count, 2, logs.all.joined(separator: "\n"))
        XCTAssertTrue(failures[0].contains("retry_after=1m40s"), failures[0])
        XCTAssertTrue(failures[1].contains("retry_after=5m"), failures[1])
        XCTAssertFalse(failures.contains { $0.contains("retry_in") })
        XCTAssertFalse(failures[0].contains("code="), "no code: no empty code field")
        XCTAssertFalse(failures[0].contains("request_id="))
    }

    // MARK: Reloads while a call is in flight

    func testAnAccountChangedWhileItsCallIsInFlightWaitsForItThenCallsItself() {
        let engine = RefreshEngine(clock: SystemClock(), logger: .discard)
        let provider = FakeProvider(available: 1)
        provider.hold()
        engine.apply(makeConfig([makeAccount("a")]), providers: ["a": provider])
        engine.refresh(budget: 0)
        XCTAssertTrue(waitUntil { provider.calls == 1 })

        // Removed, re-added, changed, each followed by a scrape: no second call while the first runs.
        engine.apply(makeConfig([]), providers: [:])
        engine.refresh(budget: 0)
        engine.apply(makeConfig([makeAccount("a")]), providers: ["a": provider])
        engine.refresh(budget: 0)
        engine.apply(makeConfig([makeAccount("a", currency: "USD")]), providers: ["a": provider])
        engine.refresh(budget: 0)
        XCTAssertEqual(provider.calls, 1)

        // The old call's result belongs to the old configuration: the changed account calls at once.
        provider.succeed(available: 2)
        provider.release()
        XCTAssertTrue(waitUntil { engine.snapshot().value(Catalog.available, uin: "a") == 2 })
        XCTAssertEqual(provider.calls, 2)
        XCTAssertEqual(provider.maxRunning, 1)
        XCTAssertEqual(engine.snapshot().value(Catalog.upstreamRequests, uin: "a"), 1)
    }

    func testAnAccountReaddedUnchangedWhileItsCallIsInFlightUsesThatCall() {
        let engine = RefreshEngine(clock: SystemClock(), logger: .discard)
        let provider = FakeProvider(available: 3)
        provider.hold()
        engine.apply(makeConfig([makeAccount("a")]), providers: ["a": provider])
        engine.refresh(budget: 0)
        XCTAssertTrue(waitUntil { provider.calls == 1 })
        engine.apply(makeConfig([]), providers: [:])
        engine.apply(makeConfig([makeAccount("a")]), providers: ["a": provider])
        engine.refresh(budget: 0)
        provider.release()
        XCTAssertTrue(waitUntil { engine.snapshot().value(Catalog.available, uin: "a") == 3 })
        XCTAssertEqual(provider.calls, 1)
        XCTAssertEqual(provider.maxRunning, 1)
    }

    func testAChangedAccountKeepsItsLearnedUINUntilItsNextSuccess() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        engine.apply(makeConfig([makeAccount("a"), makeAccount("b")]),
                     providers: ["a": FakeProvider(uin: "100001", clock: clock), "b": FakeProvider(uin: "100002", clock: clock)])
        _ = await engine.refreshNow()

        // a changes its currency, b its endpoint: only a still talks to the same upstream.
        var movedB = makeAccount("b")
        movedB.endpoint = "http://127.0.0.2:1"
        let newA = FakeProvider(uin: "100009", clock: clock)
        engine.apply(makeConfig([makeAccount("a", currency: "USD"), movedB]), providers: ["a": newA, "b": FakeProvider(clock: clock)])
        XCTAssertEqual(uinLabels(engine.snapshot()), ["100001", "b"], "no flip to the name and back")
        let snapshot = await engine.refreshNow()
        XCTAssertEqual(uinLabels(snapshot), ["100009", "b"], "the next success says which uin it is")
    }
}
