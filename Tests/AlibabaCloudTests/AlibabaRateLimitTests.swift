import BalanceTestSupport
import Foundation
import Synchronization
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// The documented 10 requests/s per main account holds over many accounts
/// of one main account when the exporter's provider gate runs at the
/// schema's default: real clients over loopback against the simulator,
/// which counts requests per main account by the shared test clock.
final class AlibabaRateLimitTests: XCTestCase {
    typealias World = AlibabaLiveWorld

    /// Every account, all of one main account (one identity), refreshed once
    /// through one gate of `requestsPerSecond` per identity; the test clock
    /// moves in small steps while requests wait for their slot.
    private func refreshAll(accounts: Int, requestsPerSecond: Double) async throws -> [FailureReason?] {
        let world = try World(self)
        let gate = ProviderGate(limits: ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: requestsPerSecond,
                                                       maxConcurrency: AlibabaCloud.schema.defaultMaxConcurrency),
                                clock: world.clock)
        let clients = try (0..<accounts).map { try world.client(world.account(name: "ali-\($0)", uin: "\($0)")) }
        let done = Finished()
        let clock = world.clock
        let ticker = Task {
            while done.count.withLock({ $0 }) < accounts && !Task.isCancelled {
                clock.advance(by: 0.01)
                try await Task.sleep(nanoseconds: 2_000_000)
            }
        }
        defer { ticker.cancel() }
        return await withTaskGroup(of: FailureReason?.self) { group in
            for client in clients {
                group.addTask {
                    defer { done.count.withLock { $0 += 1 } }
                    do { try await gate.acquire(identity: "main-account") } catch { return .network }
                    let outcome: FailureReason?
                    do throws(ProviderError) {
                        _ = try await client.fetchBalance()
                        outcome = nil
                    } catch {
                        outcome = error.reason
                    }
                    await gate.release()
                    return outcome
                }
            }
            var outcomes: [FailureReason?] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
    }

    func testTheDefaultRateHoldsTheLimitOverManyAccountsOfOneMainAccount() async throws {
        let outcomes = try await refreshAll(accounts: 30, requestsPerSecond: try XCTUnwrap(AlibabaCloud.schema.defaultRequestsPerSecondPerIdentity))
        XCTAssertEqual(outcomes.compactMap { $0 }, [], "no account is throttled")
        XCTAssertEqual(outcomes.count, 30)
    }

    /// The same test can fail: four times the documented limit is throttled.
    func testFourTimesTheLimitIsThrottled() async throws {
        let outcomes = try await refreshAll(accounts: 30, requestsPerSecond: 4 * AlibabaCloud.documentedRequestsPerSecond)
        XCTAssertTrue(outcomes.contains(.throttled), "\(outcomes)")
    }
}

private final class Finished: Sendable {
    let count = Mutex(0)
}
