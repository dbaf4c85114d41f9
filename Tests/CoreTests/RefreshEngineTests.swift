import BalanceTestSupport
import Foundation
import Synchronization
import XCTest
@testable import BalanceCore
@testable import BalanceSupport

final class RefreshEngineTests: XCTestCase {
    func testConcurrentScrapesShareOneUpstreamCallPerAccount() throws {
        let engine = RefreshEngine(clock: SystemClock(), logger: .discard)
        let providers = (0..<3).map { _ in FakeProvider() }
        for p in providers { p.hold() }
        let accounts = (0..<3).map { makeAccount("a\($0)") }
        engine.apply(makeConfig(accounts), providers: Dictionary(uniqueKeysWithValues: zip(accounts.map(\.name), providers.map { $0 as any BalanceProvider })))

        let group = DispatchGroup()
        let results = LockedArray<Double?>()
        for _ in 0..<100 {
            group.enter()
            Thread.detachNewThread {
                let snapshot = engine.collect(budget: 30)
                results.append(snapshot.value(Catalog.up, uin: "a0"))
                group.leave()
            }
        }
        // Every scrape is waiting on the same three held calls.
        XCTAssertTrue(waitUntil { engine.waiterCount == 100 })
        XCTAssertEqual(providers.map(\.calls), [1, 1, 1])
        providers.forEach { $0.release() }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(providers.map(\.calls), [1, 1, 1])
        XCTAssertEqual(results.values.count, 100)
        XCTAssertTrue(results.values.allSatisfy { $0 == 1 })
    }

    func testWhenSettledRunsOnceTheLastRefreshInFlightFinishes() throws {
        let settled = Mutex(0)
        let engine = RefreshEngine(clock: SystemClock(), logger: .discard, whenSettled: { settled.withLock { $0 += 1 } })
        let providers = (0..<3).map { _ in FakeProvider() }
        for p in providers { p.hold() }
        let accounts = (0..<3).map { makeAccount("a\($0)") }
        engine.apply(makeConfig(accounts), providers: Dictionary(uniqueKeysWithValues: zip(accounts.map(\.name), providers.map { $0 as any BalanceProvider })))
        engine.refresh(budget: 0)
        XCTAssertTrue(waitUntil { providers.allSatisfy { $0.calls == 1 } })

        providers[0].release()
        providers[1].release()
        XCTAssertTrue(waitUntil { engine.snapshot().value(Catalog.up, uin: "a1") == 1 && engine.snapshot().value(Catalog.up, uin: "a0") == 1 })
        XCTAssertEqual(settled.withLock { $0 }, 0, "a refresh is still in flight")
        providers[2].release()
        XCTAssertTrue(waitUntil { settled.withLock { $0 } == 1 })

        // The next burst (every account due again after a reload) settles once more.
        engine.apply(makeConfig(accounts.map { makeAccount($0.name + "-new") }),
                     providers: Dictionary(uniqueKeysWithValues: accounts.map { ($0.name + "-new", FakeProvider() as any BalanceProvider) }))
        engine.refresh(budget: 10)
        XCTAssertTrue(waitUntil { settled.withLock { $0 } == 2 })
    }

    func testAThousandAccountsNeverExceedTheRateLimit() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let provider = FakeProvider(clock: clock)
        let accounts = (0..<1000).map { makeAccount("acct\($0)") }
        let limits = ProviderLimits(requestsPerSecond: 10, maxConcurrency: 4)
        engine.apply(makeConfig(accounts, limits: limits),
                     providers: Dictionary(uniqueKeysWithValues: accounts.map { ($0.name, provider as any BalanceProvider) }))
        let refresh = Task { await engine.refreshNow() }
        var rounds = 0
        while provider.calls < 1000 && rounds < 10_000 {
            // Advance only once every slot holder sleeps on the clock, so each
            // call is recorded at the instant the limiter released it.
            while clock.sleeperCount < min(4, 1000 - provider.calls) { await Task.yield() }
            clock.advance(by: 0.05)
            rounds += 1
        }
        _ = await refresh.value
        let times = provider.callTimes.sorted()
        XCTAssertEqual(times.count, 1000)
        XCTAssertLessThanOrEqual(provider.maxRunning, 4)
        // No eleven calls within one second: at most 10 in any 1 s window.
        for i in 0..<(times.count - 10) {
            XCTAssertGreaterThanOrEqual(times[i + 10] - times[i], 1 - 1e-6, "calls \(i)...\(i + 10) within a second")
        }
        // And the limiter does not starve: 1000 calls at 10/s take about 100 s.
        XCTAssertLessThan(times.last! - times.first!, 101)
    }

    private func keyedAccount(_ name: String, secretID: String) -> AccountConfig {
        var account = makeAccount(name)
        account.values["secret_id"] = .string(secretID)
        return account
    }

    func testAccountsOfDifferentOwnersAreNotHeldToOneBudget() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let accounts = (0..<200).map { keyedAccount("acct\($0)", secretID: "AKID\($0)") }
        let providers = (0..<200).map { FakeProvider(uin: "\(100_000 + $0)", clock: clock) }
        let limits = ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 1, maxConcurrency: 200, identityKeys: ["secret_id"])
        engine.apply(makeConfig(accounts, limits: limits),
                     providers: Dictionary(uniqueKeysWithValues: zip(accounts.map(\.name), providers.map { $0 as any BalanceProvider })))
        _ = await engine.refreshNow()
        clock.advance(by: 60)
        let snapshot = await engine.refreshNow()
        // Keyed by their credentials, then by the uin each reported: no call waited for another's.
        XCTAssertEqual(Set(providers.flatMap(\.callTimes)), [clock.now() - 60, clock.now()])
        XCTAssertEqual(snapshot.lastRoundDuration, 0)
    }

    func testAccountsOfOneOwnerShareItsBudgetOnceItsUinIsKnown() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        // Two keys of one account (say two sub-accounts): the upstream counts them as one.
        let accounts = [keyedAccount("first", secretID: "AKID1"), keyedAccount("second", secretID: "AKID2")]
        let provider = FakeProvider(uin: "42", clock: clock)
        let limits = ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 0.5, maxConcurrency: 10, identityKeys: ["secret_id"])
        engine.apply(makeConfig(accounts, limits: limits), providers: ["first": provider, "second": provider])
        let start = clock.now()
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.callTimes, [start, start], "before the uin is known, two credentials are two identities")
        // The later one is a duplicate, refreshed again after the longest backoff.
        clock.advance(by: 300)
        let refresh = Task { await engine.refreshNow() }
        for _ in 0..<100_000 where clock.sleeperCount < 1 { await Task.yield() }
        clock.advance(by: 2)
        _ = await refresh.value
        XCTAssertEqual(provider.callTimes.suffix(2), [start + 300, start + 302], "then one uin: 0.5 per second, 2 s apart")
    }

    func testTheRoundDurationIsReported() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let provider = FakeProvider(clock: clock)
        provider.hold()
        engine.apply(makeConfig([makeAccount("a"), makeAccount("b")]), providers: ["a": provider, "b": provider])
        XCTAssertNil(engine.snapshot().lastRoundDuration, "no round yet")
        engine.refresh(budget: 0)
        XCTAssertTrue(waitUntil { provider.calls == 2 })
        clock.advance(by: 7.5)
        provider.release()
        XCTAssertTrue(waitUntil { engine.snapshot().lastRoundDuration != nil })
        let families = AccountFamilies.families(engine.snapshot())
        let round = families.first { $0.descriptor == Catalog.refreshRoundDuration }
        XCTAssertEqual(round?.samples.map(\.value), [7.5], "from the scrape that started it to its last refresh")
    }

    func testDataIsCachedForTheRefreshInterval() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let provider = FakeProvider(available: 42.5, clock: clock)
        engine.apply(makeConfig([makeAccount("a", refreshInterval: 60)]), providers: ["a": provider])
        var snapshot = await engine.refreshNow()
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "a"), 42.5)
        clock.advance(by: 59)
        snapshot = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 1)
        provider.succeed(available: 40)
        clock.advance(by: 1)
        snapshot = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 2)
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "a"), 40)
        XCTAssertEqual(snapshot.value(Catalog.upstreamRequests, uin: "a"), 2)
    }

    func testFailureKeepsValuesUntilMaxStaleThenDropsBalanceSeries() async {
        let clock = TestClock(now: 1000)
        let logs = LogCapture()
        let engine = RefreshEngine(clock: clock, logger: logs.logger(), jitter: { 0 })
        let provider = FakeProvider(available: 10, clock: clock)
        engine.apply(makeConfig([makeAccount("a", refreshInterval: 60)], maxStale: 600), providers: ["a": provider])
        _ = await engine.refreshNow()

        provider.fail(.network)
        clock.advance(by: 60)
        var snapshot = await engine.refreshNow()
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "a"), 0)
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "a"), 10, "last good value kept within max_stale")
        XCTAssertEqual(snapshot.value(Catalog.upstreamErrors, uin: "a", [Label("reason", "network")]), 1)
        XCTAssertEqual(snapshot.value(Catalog.lastSuccess, uin: "a"), 1000)

        // Backoff: 2 s base with jitter 0 gives 1 s, then 2 s, 4 s...
        clock.advance(by: 0.5)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 2, "no retry inside the backoff")
        clock.advance(by: 0.5)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 3)
        clock.advance(by: 1.9)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 3)
        clock.advance(by: 0.1)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 4)

        // Past max_stale (600 s after the last success) the balance goes away.
        clock.advance(by: 600)
        snapshot = await engine.refreshNow()
        XCTAssertNil(snapshot.value(Catalog.available, uin: "a"))
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "a"), 0)
        XCTAssertEqual(snapshot.value(Catalog.lastSuccess, uin: "a"), 1000)
        XCTAssertEqual(snapshot.value(Catalog.accountInfo, uin: "a", [Label("name", "a")]), 1)

        // The failure was logged once, not once per attempt; recovery once.
        XCTAssertEqual(logs.all.filter { $0.contains("account refresh failed") }.count, 1, logs.all.joined(separator: "\n"))
        provider.succeed(available: 7)
        clock.advance(by: 300)
        snapshot = await engine.refreshNow()
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "a"), 7)
        XCTAssertEqual(snapshot.value(Catalog.up, uin: "a"), 1)
        XCTAssertEqual(logs.all.filter { $0.contains("account refresh recovered") }.count, 1)
    }

    func testCredentialErrorsBackOffToTheMaximum() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard, jitter: { 0.5 })
        let provider = FakeProvider(clock: clock)
        provider.fail(.auth, code: "AuthFailure.SecretIdNotFound")
        engine.apply(makeConfig([makeAccount("a", refreshInterval: 60)]), providers: ["a": provider])
        _ = await engine.refreshNow()
        clock.advance(by: 299)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 1)
        clock.advance(by: 1)
        _ = await engine.refreshNow()
        XCTAssertEqual(provider.calls, 2)
    }

    func testThrottlingBacksOffHarderThanTransientErrors() {
        let policy = BackoffPolicy()
        let transient = policy.delay(failures: 1, reason: .network, refreshInterval: 60, jitter: 0.5)
        let throttled = policy.delay(failures: 1, reason: .throttled, refreshInterval: 60, jitter: 0.5)
        XCTAssertGreaterThan(throttled, transient)
        XCTAssertEqual(policy.delay(failures: 40, reason: .timeout, refreshInterval: 60, jitter: 1), 300)
        XCTAssertEqual(policy.delay(failures: 1, reason: .permission, refreshInterval: 900, jitter: 0), 900)
    }

    func testOneStuckAccountDoesNotDelayAnother() throws {
        let engine = RefreshEngine(clock: SystemClock(), logger: .discard)
        let stuck = FakeProvider()
        stuck.hold()
        let good = FakeProvider(available: 5)
        engine.apply(makeConfig([makeAccount("stuck"), makeAccount("good")]), providers: ["stuck": stuck, "good": good])
        let started = Date()
        let snapshot = engine.collect(budget: 0.3)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "good"), 5)
        XCTAssertNil(snapshot.value(Catalog.up, uin: "stuck"))
        // The stuck refresh completes in the background for the next scrape.
        stuck.release()
        XCTAssertTrue(waitUntil { engine.snapshot().value(Catalog.up, uin: "stuck") == 1 })
        XCTAssertEqual(stuck.calls, 1)
    }

    func testReloadKeepsCacheOfUnchangedAccounts() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let a = FakeProvider(available: 1, clock: clock), b = FakeProvider(available: 2, clock: clock)
        engine.apply(makeConfig([makeAccount("a"), makeAccount("b")]), providers: ["a": a, "b": b])
        _ = await engine.refreshNow()
        let b2 = FakeProvider(available: 3, clock: clock)
        // b changes (new currency): its cache starts over; a is untouched; c is new.
        let c = FakeProvider(available: 4, clock: clock)
        engine.apply(makeConfig([makeAccount("a"), makeAccount("b", currency: "USD"), makeAccount("c")]),
                     providers: ["a": FakeProvider(clock: clock), "b": b2, "c": c])
        let snapshot = engine.snapshot()
        XCTAssertEqual(snapshot.value(Catalog.available, uin: "a"), 1)
        XCTAssertNil(snapshot.value(Catalog.available, uin: "b"))
        let refreshed = await engine.refreshNow()
        XCTAssertEqual(a.calls, 1, "unchanged account keeps its provider and cache")
        XCTAssertEqual(refreshed.value(Catalog.available, uin: "b"), 3)
        XCTAssertEqual(refreshed.value(Catalog.available, uin: "c"), 4)
        engine.apply(makeConfig([makeAccount("c")]), providers: ["c": c])
        XCTAssertEqual(engine.snapshot().accounts.map(\.config.name), ["c"])
    }

    func testUINLabelPrefersConfiguredThenLearnedThenName() async {
        let clock = TestClock()
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let learned = FakeProvider(uin: "100001", clock: clock)
        let pinned = FakeProvider(uin: "100002", clock: clock)
        engine.apply(makeConfig([makeAccount("learned"), makeAccount("pinned", uin: "pin")]),
                     providers: ["learned": learned, "pinned": pinned])
        let before = engine.snapshot()
        XCTAssertEqual(before.accounts.map { AccountFamilies.uin($0.config, $0.status) }, ["learned", "pin"])
        let after = await engine.refreshNow()
        XCTAssertEqual(after.accounts.map { AccountFamilies.uin($0.config, $0.status) }, ["100001", "pin"])
    }
}
