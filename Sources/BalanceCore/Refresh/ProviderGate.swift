import BalanceSupport

/// Per provider: a cap on concurrent upstream calls and a request-rate
/// limit, shared by every account of that provider, so the provider's limit
/// (Tencent: 20 requests/s for DescribeAccountBalance) holds however many
/// accounts are configured.
///
/// The rate limit spaces calls at least `1 / requestsPerSecond` apart (a
/// token bucket of depth one): in any one-second window at most
/// `requestsPerSecond` calls start.
package actor ProviderGate {
    package nonisolated let limits: ProviderLimits
    private let clock: any WallClock
    private let spacing: Double
    private var nextSlot = -Double.infinity
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    package init(limits: ProviderLimits, clock: any WallClock) {
        self.limits = limits
        self.clock = clock
        self.spacing = 1 / max(limits.requestsPerSecond, 0.001)
    }

    /// Waits for a concurrency slot and then for the next rate-limit slot.
    /// Every successful `acquire` must be paired with one `release`.
    package func acquire() async throws {
        if running < limits.maxConcurrency {
            running += 1
        } else {
            // `release` hands its slot straight to the first waiter.
            await withCheckedContinuation { waiting.append($0) }
        }
        let now = clock.now()
        let slot = max(now, nextSlot)
        nextSlot = slot + spacing
        if slot > now {
            do {
                try await clock.sleep(seconds: slot - now)
            } catch {
                release()
                throw error
            }
        }
    }

    package func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
