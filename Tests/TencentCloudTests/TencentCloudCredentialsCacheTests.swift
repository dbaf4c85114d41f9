import BalanceTestSupport
import Synchronization
import XCTest
@testable import BalanceCore
@testable import BalanceTencentCloud

final class TencentCloudCredentialsCacheTests: XCTestCase {
    /// Concurrent callers share one fetch: the fetch parks on the test clock until every caller waits.
    func testConcurrentCallersShareOneFetch() async throws {
        let clock = TestClock()
        let fetches = Mutex(0)
        let cache = TencentCredentialsCache(clock: clock) {
            let n = fetches.withLock { $0 += 1; return $0 }
            try? await clock.sleep(seconds: 1)
            return .success(TencentCredentials(secretId: "id\(n)", secretKey: "k", token: "t", expiresAt: clock.now() + 3600, source: "test"))
        }
        let results = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 { group.addTask { try await cache.credentials().secretId } }
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

    func testFailureIsNotCachedAndInvalidateDropsOnlyTheRejectedCredentials() async throws {
        let clock = TestClock()
        let attempts = Mutex(0)
        let cache = TencentCredentialsCache(clock: clock) {
            let n = attempts.withLock { $0 += 1; return $0 }
            if n == 1 { return .failure(ProviderError(.network, message: "down")) }
            return .success(TencentCredentials(secretId: "id\(n)", secretKey: "k", expiresAt: clock.now() + 3600, source: "test"))
        }
        do { _ = try await cache.credentials(); XCTFail("first fetch fails") } catch { XCTAssertEqual(error.reason, .network) }
        let second = try await cache.credentials()
        XCTAssertEqual(second.secretId, "id2")
        await cache.invalidate(TencentCredentials(secretId: "other", secretKey: "k", source: "test"))
        let kept = try await cache.credentials()
        XCTAssertEqual(kept.secretId, "id2")
        await cache.invalidate(second)
        let refreshed = try await cache.credentials()
        XCTAssertEqual(refreshed.secretId, "id3")
    }
}
