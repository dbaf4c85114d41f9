import BalanceTestSupport
import Synchronization
import XCTest
@testable import BalanceCore

/// The one credential cache every provider uses (Tencent Cloud's STS and
/// instance-role keys, Yeastar's tokens), driven by the test clock.
final class CredentialCacheTests: XCTestCase {
    struct Key: ExpiringCredential {
        var id: String
        var renewAt: Double?
        var expiresAt: Double?
        var lifetime: CredentialLifetime { CredentialLifetime(renewAt: renewAt, expiresAt: expiresAt) }
    }

    /// Concurrent callers share one fetch: the fetch parks on the test clock until every caller waits.
    func testConcurrentCallersShareOneFetch() async throws {
        let clock = TestClock()
        let fetches = Mutex(0)
        let cache = CredentialCache<Key>(clock: clock) { _ throws(ProviderError) in
            let n = fetches.withLock { $0 += 1; return $0 }
            try? await clock.sleep(seconds: 1)
            return Key(id: "id\(n)", renewAt: clock.now() + 3000, expiresAt: clock.now() + 3600)
        }
        let results = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 { group.addTask { try await cache.credential().id } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        while clock.sleeperCount == 0 { await Task.yield() }
        // Let the other callers reach the cache before the fetch completes.
        for _ in 0..<100 { await Task.yield() }
        clock.advance(by: 1)
        let ids = try await results.value
        XCTAssertEqual(ids, Array(repeating: "id1", count: 5))
        XCTAssertEqual(fetches.withLock { $0 }, 1)
    }

    func testRenewedAtItsRenewalTimeAndAFailureIsNotCached() async throws {
        let clock = TestClock()
        let attempts = Mutex(0)
        let cache = CredentialCache<Key>(clock: clock) { _ throws(ProviderError) in
            let n = attempts.withLock { $0 += 1; return $0 }
            if n == 1 { throw ProviderError(.network, message: "down") }
            return Key(id: "id\(n)", renewAt: clock.now() + 100, expiresAt: clock.now() + 200)
        }
        do { _ = try await cache.credential(); XCTFail("first fetch fails") } catch { XCTAssertEqual(error.reason, .network) }
        let second = try await cache.credential()
        XCTAssertEqual(second.id, "id2")
        clock.advance(by: 99)
        let kept = try await cache.credential()
        XCTAssertEqual(kept.id, "id2")
        clock.advance(by: 1)
        let renewed = try await cache.credential()
        XCTAssertEqual(renewed.id, "id3")
    }

    func testARefusedCredentialIsNeverHandedOutAgainAndTheFetchSeesIt() async throws {
        let clock = TestClock()
        let previous = Mutex<[String?]>([])
        let cache = CredentialCache<Key>(clock: clock, keepUnexpired: true) { old throws(ProviderError) in
            let n = previous.withLock { $0.append(old?.id); return $0.count }
            return Key(id: "id\(n)", renewAt: nil, expiresAt: nil)
        }
        let first = try await cache.credential()
        await cache.invalidate(Key(id: "someone else's", renewAt: nil, expiresAt: nil))
        let unchanged = try await cache.credential()
        XCTAssertEqual(unchanged.id, "id1", "only the refused credential is dropped")
        let replaced = try await cache.replace(first)
        XCTAssertEqual(replaced.id, "id2")
        let again = try await cache.replace(first)
        XCTAssertEqual(again.id, "id2", "another caller's refusal of the old one gets the new one")
        XCTAssertEqual(previous.withLock { $0 }, [nil, "id1"], "the renewal is given the refused credential (its refresh token)")
    }

    func testKeepUnexpiredServesTheHeldCredentialWhenRenewalFailsUntilItExpires() async throws {
        let clock = TestClock()
        let fail = Mutex(false)
        let kept = Mutex(0)
        let cache = CredentialCache<Key>(clock: clock, keepUnexpired: true, onKeptAfterFailure: { _ in kept.withLock { $0 += 1 } }) {
            _ throws(ProviderError) in
            if fail.withLock({ $0 }) { throw ProviderError(.http_status, message: "token endpoint down") }
            return Key(id: "t", renewAt: clock.now() + 80, expiresAt: clock.now() + 100)
        }
        _ = try await cache.credential()
        fail.withLock { $0 = true }
        clock.advance(by: 90)
        let held = try await cache.credential()
        XCTAssertEqual(held.id, "t")
        XCTAssertEqual(kept.withLock { $0 }, 1)
        clock.advance(by: 10)
        do { _ = try await cache.credential(); XCTFail("expired") } catch { XCTAssertEqual(error.reason, .http_status) }
    }
}
