import BalanceTestSupport
import Synchronization
import XCTest
@testable import BalanceCore

/// The gate's limits with the injected clock: time passes only by `advance`.
final class ProviderGateTests: XCTestCase {
    /// Calls that have started: identity and clock time, in order.
    private final class Starts: Sendable {
        private let value = Mutex<[(identity: String?, time: Double)]>([])
        func record(_ identity: String?, _ time: Double) { value.withLock { $0.append((identity, time)) } }
        var all: [(identity: String?, time: Double)] { value.withLock { $0 } }
        func times(_ identity: String) -> [Double] { all.filter { $0.identity == identity }.map(\.time) }
        var count: Int { all.count }
    }

    /// Starts a call of `identity` that holds its slot until `hold` is set false (or releases at once).
    @discardableResult
    private func call(_ gate: ProviderGate, _ identity: String?, _ starts: Starts, clock: TestClock,
                      releaseAtOnce: Bool = true) -> Task<Void, Never> {
        Task {
            guard (try? await gate.acquire(identity: identity)) != nil else { return }
            starts.record(identity, clock.now())
            if releaseAtOnce { await gate.release() }
        }
    }

    /// Advances `steps` times by `step`, each time once all `calls` have started or sleep on the clock
    /// (none is on its way between the two), so each starts at the very instant the gate lets it.
    private func advance(_ clock: TestClock, by step: Double, steps: Int, calls: Int, _ starts: Starts) async {
        for _ in 0..<steps {
            await waitFor(starts.count + clock.sleeperCount == calls)
            clock.advance(by: step)
        }
    }

    /// Lets the gate's tasks run until `condition` holds (at most 10 s of wall time on a busy machine).
    private func waitFor(_ condition: @autoclosure () -> Bool, line: UInt = #line) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() && ContinuousClock.now < deadline { await Task.yield() }
        XCTAssertTrue(condition(), line: line)
    }

    func testIdentitiesDoNotShareABudget() async {
        let clock = TestClock(now: 0)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 2, maxConcurrency: 100),
                                clock: clock)
        let starts = Starts()
        for index in 0..<50 { call(gate, "uin:\(index)", starts, clock: clock) }
        await waitFor(starts.count == 50)
        XCTAssertEqual(Set(starts.all.map(\.time)), [0], "50 accounts of 50 owners all start at once")
    }

    func testCallsOfOneIdentityAreSpacedByItsRate() async {
        let clock = TestClock(now: 0)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 2, maxConcurrency: 100),
                                clock: clock)
        let starts = Starts()
        for _ in 0..<5 { call(gate, "uin:1", starts, clock: clock) }
        call(gate, "uin:2", starts, clock: clock)
        await waitFor(starts.count == 2 && clock.sleeperCount == 4)
        await advance(clock, by: 0.25, steps: 8, calls: 6, starts)
        await waitFor(starts.count == 6)
        XCTAssertEqual(starts.times("uin:1"), [0, 0.5, 1, 1.5, 2], "2 per second: one every 0.5 s")
        XCTAssertEqual(starts.times("uin:2"), [0], "another owner does not wait for them")
    }

    func testAWaitingIdentityHoldsNoConcurrencySlot() async {
        let clock = TestClock(now: 0)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 1, maxConcurrency: 1),
                                clock: clock)
        let starts = Starts()
        call(gate, "uin:1", starts, clock: clock)
        await waitFor(starts.count == 1)
        // uin:1's second call waits a second for its identity; uin:2 runs meanwhile in the only slot.
        call(gate, "uin:1", starts, clock: clock)
        await waitFor(clock.sleeperCount == 1)
        call(gate, "uin:2", starts, clock: clock)
        await waitFor(starts.count == 2)
        XCTAssertEqual(starts.all.last?.identity, "uin:2")
        XCTAssertEqual(starts.all.last?.time, 0)
        clock.advance(by: 1)
        await waitFor(starts.count == 3)
        XCTAssertEqual(starts.times("uin:1"), [0, 1])
    }

    func testTheSpacingHoldsBetweenRealStartsWhenTheConcurrencyCapDelaysCalls() async {
        let clock = TestClock(now: 0)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 2, maxConcurrency: 1),
                                clock: clock)
        let starts = Starts()
        let holder = call(gate, "uin:9", starts, clock: clock, releaseAtOnce: false)
        await waitFor(starts.count == 1)
        _ = await holder.value
        // Reserved at 0 and 0.5, both then wait for the slot uin:9 holds until 3.0.
        for _ in 0..<2 { call(gate, "uin:1", starts, clock: clock) }
        await waitFor(clock.sleeperCount == 1)
        for _ in 0..<6 {
            clock.advance(by: 0.5)
            for _ in 0..<1000 { await Task.yield() }
        }
        XCTAssertEqual(starts.count, 1, "both wait for the slot")
        await gate.release()
        await waitFor(starts.count == 2)
        XCTAssertEqual(starts.times("uin:1"), [3])
        await waitFor(clock.sleeperCount == 1)
        clock.advance(by: 0.5)
        await waitFor(starts.count == 3)
        XCTAssertEqual(starts.times("uin:1"), [3, 3.5], "not two starts at once though both slots had passed")
    }

    func testAProviderWideRateSpacesEveryIdentity() async {
        let clock = TestClock(now: 0)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: 4, maxConcurrency: 100), clock: clock)
        let starts = Starts()
        for index in 0..<4 { call(gate, "uin:\(index)", starts, clock: clock) }
        await waitFor(starts.count == 1 && clock.sleeperCount == 3)
        await advance(clock, by: 0.25, steps: 3, calls: 4, starts)
        await waitFor(starts.count == 4)
        XCTAssertEqual(starts.all.map(\.time), [0, 0.25, 0.5, 0.75], "shared by everyone, as Huawei counts per source IP")
    }

    func testTheConcurrencyCapHolds() async {
        let clock = TestClock(now: 0)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 100, maxConcurrency: 2),
                                clock: clock)
        let starts = Starts()
        for index in 0..<3 { call(gate, "uin:\(index)", starts, clock: clock, releaseAtOnce: false) }
        await waitFor(starts.count == 2)
        for _ in 0..<1000 { await Task.yield() }
        XCTAssertEqual(starts.count, 2, "the third waits for a slot")
        await gate.release()
        await waitFor(starts.count == 3)
    }

    func testIdentitiesWhoseSlotsPassedAreForgotten() async {
        let clock = TestClock(now: 0)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 1, maxConcurrency: 10_000),
                                clock: clock)
        let starts = Starts()
        for index in 0..<1023 { call(gate, "uin:\(index)", starts, clock: clock) }
        await waitFor(starts.count == 1023)
        let remembered = await gate.rememberedIdentities
        XCTAssertEqual(remembered, 1023)
        clock.advance(by: 2)
        call(gate, "uin:new", starts, clock: clock)
        await waitFor(starts.count == 1024)
        let afterPrune = await gate.rememberedIdentities
        XCTAssertEqual(afterPrune, 1, "only the one whose spacing has not passed")
    }
}
