import BalanceSupport

/// Per provider, the limits every upstream call keeps however many accounts
/// are configured (`ProviderLimits`):
/// - at most `maxConcurrency` calls in flight, of all the provider's accounts;
/// - with `requestsPerSecond`, calls of all its accounts started at least
///   `1 / requestsPerSecond` apart: for upstreams that count one limit for
///   everyone (Huawei Cloud per source IP) or document none (Yeastar);
/// - with `requestsPerSecondPerIdentity`, calls of one upstream identity
///   started at least `1 / requestsPerSecondPerIdentity` apart: for
///   upstreams that count their limit per account (Tencent Cloud, Alibaba
///   Cloud), so that thousands of accounts of different owners are not held
///   to one account's budget.
///
/// Spacing calls at least `1 / rate` apart (a token bucket of depth one)
/// means that in any one-second window at most `rate` calls start (one more
/// when a call starts exactly on each end of the window).
///
/// A call first waits for its identity's next slot without holding a
/// concurrency slot, so calls of an identity that must wait do not keep the
/// calls of others from running; once it holds a concurrency slot it waits
/// for the provider-wide slot, and again for its identity's if needed, so the
/// spacing holds between the calls' real starts.
package actor ProviderGate {
    package nonisolated let limits: ProviderLimits
    private let clock: any WallClock
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let providerSpacing: Double?
    private var nextProviderSlot = -Double.infinity
    private let identitySpacing: Double?
    private var identitySlots: [String: Slots] = [:]
    private var acquisitionsSincePrune = 0

    /// The next start a call of the identity may reserve, and its latest real start.
    private struct Slots {
        var nextReserved = -Double.infinity
        var lastStart = -Double.infinity
    }

    package init(limits: ProviderLimits, clock: any WallClock) {
        self.limits = limits
        self.clock = clock
        self.providerSpacing = limits.requestsPerSecond.map { 1 / max($0, 0.001) }
        self.identitySpacing = limits.requestsPerSecondPerIdentity.map { 1 / max($0, 0.001) }
    }

    /// Waits until a call of `identity` (nil: the account's identity is not
    /// known, it only counts provider-wide) may start. Every successful
    /// `acquire` must be paired with one `release`; a cancelled wait throws
    /// and needs none.
    package func acquire(identity: String?) async throws {
        try await sleep(until: reserve(identity: identity))
        if running < limits.maxConcurrency {
            running += 1
        } else {
            // `release` hands its slot straight to the first waiter.
            await withCheckedContinuation { waiting.append($0) }
        }
        do {
            try await sleep(until: start(identity: identity))
        } catch {
            release()
            throw error
        }
        pruneNow()
    }

    package func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Reserves the identity's next slot; returns when it begins.
    private func reserve(identity: String?) -> Double {
        let now = clock.now()
        guard let identity, let spacing = identitySpacing else { return now }
        var slots = identitySlots[identity] ?? Slots()
        let slot = max(now, slots.nextReserved)
        slots.nextReserved = slot + spacing
        identitySlots[identity] = slots
        return slot
    }

    /// The real start: the next provider-wide slot, and no sooner than a
    /// spacing after the identity's last real start, which it becomes.
    private func start(identity: String?) -> Double {
        var start = max(clock.now(), nextProviderSlot)
        if let identity, let spacing = identitySpacing {
            start = max(start, (identitySlots[identity]?.lastStart ?? -.infinity) + spacing)
            identitySlots[identity, default: Slots()].lastStart = start
        }
        if let spacing = providerSpacing { nextProviderSlot = start + spacing }
        return start
    }

    private func sleep(until time: Double) async throws {
        let wait = time - clock.now()
        if wait > 0 { try await clock.sleep(seconds: wait) }
    }

    /// Forgets the identities whose slots have passed, now and then: an
    /// identity seen once (a removed account, a `uin` learned in place of
    /// its keys) costs no memory for long.
    private func pruneNow() {
        acquisitionsSincePrune += 1
        guard acquisitionsSincePrune >= 1024, let spacing = identitySpacing else { return }
        acquisitionsSincePrune = 0
        let now = clock.now()
        identitySlots = identitySlots.filter { max($0.value.nextReserved, $0.value.lastStart + spacing) > now }
    }

    /// Identities whose spacing is remembered (for tests).
    package var rememberedIdentities: Int { identitySlots.count }
}
