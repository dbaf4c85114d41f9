import BalanceHTTP
import BalanceSupport
import Dispatch
import Synchronization

/// The per-account cache between scrapes and upstreams.
///
/// - A scrape starts a refresh of each account whose data is older than its
///   refresh interval (or whose backoff has passed after a failure), then
///   waits for the refreshes in flight at most its budget, then answers from
///   the cache. Unfinished refreshes complete in the background.
/// - One refresh in flight per account: concurrent scrapes share it, and it
///   holds across reloads (an account changed or re-added while its old call
///   runs waits for that call).
/// - Per provider, a `ProviderGate` bounds the concurrency and the request
///   rate, provider-wide and per upstream identity (`identity(of:keys:)`).
/// - A round of refreshes begins when a scrape starts refreshes while none
///   is in flight and ends when the last in flight finishes; its duration is
///   `EngineSnapshot.lastRoundDuration`.
/// - A failure keeps the last good values while younger than `max_stale`,
///   backs off with jitter (at least the upstream's `Retry-After`), and is
///   logged once per change of state.
/// - Two accounts that report the same `(provider, uin)`: the one later in
///   the configuration is a duplicate, down with reason `duplicate`, its
///   values never exported (see `resolveOwners`).
package final class RefreshEngine: Sendable {
    struct Entry: Sendable {
        var config: AccountConfig
        var provider: any BalanceProvider
        var status = AccountStatus()
        /// Distinguishes this account from a same-named one after a reload,
        /// so a late result of the old one is not taken for the new one's.
        var epoch: UInt64
    }

    struct Waiter {
        var pending: Set<String>
        var wake: @Sendable () -> Void
    }

    struct State: Sendable {
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var maxStale: Double = ExporterConfig.defaultMaxStale
        var gates: [String: ProviderGate] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        /// Bumped on every change of cached data.
        var generation: UInt64 = 0
        /// Names with an upstream call in flight, also of accounts a reload
        /// removed or changed while the call ran: one call per name at a time.
        var inFlight: Set<String> = []
        /// The account whose series carry each `(provider, uin)`.
        var owners = UINOwners(order: [])
        /// No account is due before this time (nil: unknown, scan). Saves a
        /// scan of every account on each scrape between refreshes.
        var nextDue: Double?
        /// Set at shutdown: scrapes no longer wait for refreshes.
        var waitingStopped = false
        /// When the round of refreshes in flight began.
        var roundStarted: Double?
        var lastRoundDuration: Double?
    }

    private let state = Mutex(State())
    /// `State.generation`, published by every change under the lock, so a
    /// scrape reads it without taking the lock.
    private let publishedGeneration = Atomic<UInt64>(0)
    /// Until when (a `Double`'s bit pattern) no account is due and none is in
    /// flight: a scrape before it has nothing to start or wait for, and skips
    /// the lock that every other scrape would otherwise queue on. -inf: unknown.
    private let quietUntil = Atomic<UInt64>((-Double.infinity).bitPattern)
    private let clock: any WallClock
    private let logger: Logger
    private let backoff: BackoffPolicy
    private let jitter: @Sendable () -> Double
    private let whenSettled: @Sendable () -> Void

    /// `whenSettled` runs each time the last refresh in flight finishes (the
    /// end of a burst of refreshes), outside any lock.
    package init(clock: any WallClock, logger: Logger, backoff: BackoffPolicy = BackoffPolicy(),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                whenSettled: @escaping @Sendable () -> Void = {}) {
        self.clock = clock
        self.logger = logger
        self.backoff = backoff
        self.jitter = jitter
        self.whenSettled = whenSettled
    }

    /// Installs a configuration. Accounts whose configuration is unchanged
    /// keep their provider (and so its tokens) and their cached data; a
    /// changed one keeps the `uin` it learned while it reads the same
    /// provider at the same endpoint, until its next success.
    package func apply(_ config: ExporterConfig, providers: [String: any BalanceProvider]) {
        let events = state.withLock { s -> [LogEvent] in
            var entries: [String: Entry] = [:]
            for account in config.accounts {
                guard let provider = providers[account.name] else { continue }
                let old = s.entries[account.name]
                if let old, old.config == account {
                    entries[account.name] = old
                    continue
                }
                s.nextID += 1
                var entry = Entry(config: account, provider: provider, epoch: s.nextID)
                if let old, old.config.provider == account.provider, old.config.endpoint == account.endpoint {
                    entry.status.uin = old.status.uin
                }
                entries[account.name] = entry
            }
            for (name, limits) in config.providerLimits where s.gates[name]?.limits != limits {
                s.gates[name] = ProviderGate(limits: limits, clock: clock)
            }
            s.entries = entries
            s.nextDue = nil
            s.order = config.accounts.map(\.name).filter { entries[$0] != nil }
            s.maxStale = config.maxStale
            s.generation += 1
            let events = resolveOwners(&s)
            publish(s)
            // Waiters on accounts that disappeared must not wait for them.
            for id in Array(s.waiters.keys) {
                s.waiters[id]?.pending.formIntersection(entries.keys)
            }
            wakeFinished(&s)
            return events
        }
        for event in events { logger.log(event.level, event.message, event.fields) }
    }

    /// Recomputes which account owns each `(provider, uin)` after a reload:
    /// the first in the configuration. A later one becomes a duplicate; a
    /// duplicate whose owner is gone owns its `uin` again and is refreshed
    /// at the next scrape.
    private func resolveOwners(_ s: inout State) -> [LogEvent] {
        s.owners = UINOwners(order: s.order)
        var events: [LogEvent] = []
        for name in s.order {
            guard var entry = s.entries[name], let uin = AccountFamilies.reportedUIN(entry.config, entry.status) else { continue }
            if let owner = s.owners.claim(uin, previous: nil, provider: entry.config.provider, by: name).earlierOwner {
                guard entry.status.duplicateOf != owner else { continue }
                events.append(markDuplicate(&entry, of: owner, uin: uin))
            } else {
                guard entry.status.duplicateOf != nil else { continue }
                entry.status.duplicateOf = nil
                entry.status.notBefore = 0
            }
            s.entries[name] = entry
        }
        return events
    }

    /// Withdraws the account's values: another account, earlier in the
    /// configuration, exports the same `uin`. Its next refresh stays when it was.
    private func markDuplicate(_ entry: inout Entry, of owner: String, uin: String) -> LogEvent {
        let due = entry.status.dueTime(refreshInterval: entry.config.refreshInterval)
        entry.status.duplicateOf = owner
        entry.status.up = false
        entry.status.notBefore = max(entry.status.notBefore, due)
        entry.status.reading = nil
        entry.status.lastError = Self.duplicate(of: owner, uin: uin)
        return LogEvent(level: .warn, message: "two accounts report the same uin; only the first in the configuration is exported", fields: [
            "account": .string(entry.config.name), "duplicate_of": .string(owner), "provider": .string(entry.config.provider),
            "uin": .string(uin),
        ])
    }

    private static func duplicate(of owner: String, uin: String) -> ProviderError {
        ProviderError(.duplicate, message: "reports uin \(uin), as account \(owner) earlier in the configuration does")
    }

    /// For a scrape: starts due refreshes, waits for in-flight ones at most
    /// `budget` seconds (blocking the calling thread, never a Swift
    /// concurrency thread), then returns the cached view.
    package func collect(budget: Double) -> EngineSnapshot {
        refresh(budget: budget)
        return snapshot()
    }

    /// `collect` without the snapshot: for callers that first check
    /// `generation` to reuse what they rendered from the last snapshot. The
    /// budget counts from the call: starting thousands of refreshes is part of it.
    package func refresh(budget: Double) {
        let deadline = DispatchTime.now() + max(budget, 0)
        let semaphore = DispatchSemaphore(value: 0)
        let id = startDueAndRegister { semaphore.signal() }
        if let id, semaphore.wait(timeout: deadline) == .timedOut {
            _ = state.withLock { $0.waiters.removeValue(forKey: id) }
        }
    }

    /// Changes whenever the cached data changes (a refresh finished, a reload).
    package var generation: UInt64 { publishedGeneration.load(ordering: .acquiring) }

    /// Publishes what scrapes read without the lock; called under it after every change.
    private func publish(_ s: State) {
        publishedGeneration.store(s.generation, ordering: .releasing)
        let quiet = s.inFlight.isEmpty ? (s.nextDue ?? -.infinity) : -.infinity
        quietUntil.store(quiet.bitPattern, ordering: .releasing)
    }

    /// For tests and start-up: starts due refreshes and waits until every
    /// refresh in flight has finished.
    package func refreshNow() async -> EngineSnapshot {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if startDueAndRegister(wake: { continuation.resume() }) == nil { continuation.resume() }
        }
        return snapshot()
    }

    /// For shutdown: wakes every scrape waiting on refreshes, and later ones
    /// do not wait, so each answers at once with what is cached.
    package func stopWaiting() {
        state.withLock { s in
            s.waitingStopped = true
            s.waiters.values.forEach { $0.wake() }
            s.waiters.removeAll()
        }
    }

    /// Scrapes currently waiting on refreshes (for tests and debugging).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    package func snapshot() -> EngineSnapshot {
        let now = clock.now()
        return state.withLock { s in
            EngineSnapshot(accounts: s.order.compactMap { name in s.entries[name].map { ($0.config, $0.status) } },
                           now: now, maxStale: s.maxStale, generation: s.generation, lastRoundDuration: s.lastRoundDuration)
        }
    }

    /// Returns the waiter's id, or nil when nothing is in flight.
    private func startDueAndRegister(wake: @escaping @Sendable () -> Void) -> UInt64? {
        let now = clock.now()
        if now < Double(bitPattern: quietUntil.load(ordering: .acquiring)) { return nil }
        let (id, started) = state.withLock { s -> (UInt64?, [(Entry, ProviderGate?)]) in
            var started: [(Entry, ProviderGate?)] = []
            if s.nextDue.map({ now >= $0 }) ?? true {
                var nextDue = Double.infinity
                for name in s.order {
                    guard let entry = s.entries[name], !s.inFlight.contains(name) else { continue }
                    let due = entry.status.dueTime(refreshInterval: entry.config.refreshInterval)
                    guard now >= due else {
                        nextDue = min(nextDue, due)
                        continue
                    }
                    s.inFlight.insert(name)
                    started.append((entry, s.gates[entry.config.provider]))
                }
                // Accounts in flight get their next due time when they finish.
                s.nextDue = nextDue
                if !started.isEmpty, s.roundStarted == nil { s.roundStarted = now }
            }
            // Not the calls of accounts a reload removed: nobody waits for those.
            publish(s)
            let pending = s.inFlight.filter { s.entries[$0] != nil }
            guard !pending.isEmpty, !s.waitingStopped else { return (nil, started) }
            s.nextID += 1
            s.waiters[s.nextID] = Waiter(pending: pending, wake: wake)
            return (s.nextID, started)
        }
        for (entry, gate) in started { launch(entry, gate: gate) }
        return id
    }

    /// Whose upstream limit a call of this account counts on: the account
    /// the upstream reported (`uin`), and until it is known the values of the
    /// provider's identity keys (its credentials), as `DuplicateAccounts`
    /// compares them. Kept in memory only, never logged or exported.
    static func identity(of entry: Entry, keys: [String]) -> String {
        if let uin = entry.status.uin { return "uin:" + uin }
        return "keys:" + keys.map { entry.config.string($0) ?? "" }.joined(separator: "\u{0}")
    }

    private func launch(_ entry: Entry, gate: ProviderGate?) {
        let epoch = entry.epoch
        let config = entry.config
        let provider = entry.provider
        let identity = gate.map { Self.identity(of: entry, keys: $0.limits.identityKeys) }
        Task {
            let result: Result<BalanceReading, ProviderError>
            // The duration on the monotonic clock: a wall clock set meanwhile must not make it jump.
            var started = clock.uptime()
            var acquired = false
            do {
                try await gate?.acquire(identity: identity)
                acquired = true
                started = clock.uptime()
                result = .success(try await provider.fetchBalance())
            } catch let error as ProviderError {
                result = .failure(error)
            } catch {
                result = .failure(ProviderError(.network, message: "refresh cancelled"))
            }
            // A cancelled wait holds no slot.
            if acquired { await gate?.release() }
            let duration = max(0, clock.uptime() - started), finished = clock.now()
            finish(config, epoch: epoch, result: result, started: finished - duration, finished: finished)
        }
    }

    private struct LogEvent {
        var level: LogLevel
        var message: String
        var fields: KeyValuePairs<String, LogValue?>
    }

    private func finish(_ config: AccountConfig, epoch: UInt64, result: Result<BalanceReading, ProviderError>,
                        started: Double, finished: Double) {
        let name = config.name
        // `lastOfBurst`: this call emptied the set of calls in flight. Decided where the call is
        // removed from it, so two calls finishing together never both see the burst end.
        let (events, relaunch, lastOfBurst) = state.withLock { s -> ([LogEvent], (Entry, ProviderGate?)?, Bool) in
            s.inFlight.remove(name)
            guard let entry = s.entries[name] else { return ([], nil, s.inFlight.isEmpty) }
            // The same account, or one re-added with the very same configuration: the result is its.
            if entry.epoch == epoch || entry.config == config {
                return (record(&s, name: name, result: result, started: started, finished: finished), nil, s.inFlight.isEmpty)
            }
            // Changed while the old call ran, which it waited for: its own call starts now.
            guard finished >= entry.status.dueTime(refreshInterval: entry.config.refreshInterval) else {
                return ([], nil, s.inFlight.isEmpty)
            }
            s.inFlight.insert(name)
            return ([], (entry, s.gates[entry.config.provider]), false)
        }
        // Logged before waking the scrapes, so whoever waited sees the log too.
        for event in events { logger.log(event.level, event.message, event.fields) }
        if let (entry, gate) = relaunch {
            // Scrapes waiting for the account keep waiting, now for its own call.
            return launch(entry, gate: gate)
        }
        state.withLock { s in
            wakeFinished(&s, finishedAccount: name)
            if lastOfBurst, let roundStarted = s.roundStarted {
                s.lastRoundDuration = max(0, finished - roundStarted)
                s.roundStarted = nil
                s.generation += 1
            }
            publish(s)
        }
        if lastOfBurst { whenSettled() }
    }

    /// Folds one refresh result into the account's status; returns what to
    /// log, only when the account's state changed (not once per scrape).
    private func record(_ s: inout State, name: String, result: Result<BalanceReading, ProviderError>,
                        started: Double, finished: Double) -> [LogEvent] {
        guard var entry = s.entries[name] else { return [] }
        let previous = entry.status
        let interval = entry.config.refreshInterval
        var events: [LogEvent] = []
        switch result {
        case .success(let unbounded):
            let reading = unbounded.bounded()
            entry.status = previous.succeeded(reading, started: started, finished: finished)
            let uin = AccountFamilies.reportedUIN(entry.config, entry.status)
            let claim = s.owners.claim(uin, previous: AccountFamilies.reportedUIN(entry.config, previous),
                                       provider: entry.config.provider, by: name)
            if let owner = claim.earlierOwner, let uin {
                // Not a success after all: the values are another account's.
                var duplicate = previous.failed(Self.duplicate(of: owner, uin: uin), started: started, finished: finished,
                                                delay: delay(interval, .duplicate, nil))
                duplicate.uin = reading.uin
                entry.status = duplicate
                let event = markDuplicate(&entry, of: owner, uin: uin)
                if previous.duplicateOf != owner { events.append(event) }
                break
            }
            if let displaced = claim.displaced, let uin, var later = s.entries[displaced] {
                events.append(markDuplicate(&later, of: name, uin: uin))
                s.entries[displaced] = later
            }
            if previous.up == false {
                events.append(LogEvent(level: .info, message: "account refresh recovered",
                                       fields: ["account": .string(name), "provider": .string(entry.config.provider)]))
            }
            if reading.dropped > 0 && reading.dropped != previous.lastDropped {
                events.append(LogEvent(level: .warn, message: "upstream values dropped to stay within the exporter's bounds", fields: [
                    "account": .string(name), "provider": .string(entry.config.provider), "dropped": .int(reading.dropped),
                ]))
            }
        case .failure(let error):
            entry.status = previous.failed(error, started: started, finished: finished,
                                           delay: delay(interval, error.reason, error.retryAfter))
            let delay = entry.status.notBefore - finished
            let changed = previous.up != false || previous.lastError?.reason != error.reason || previous.lastError?.code != error.code
            if changed {
                events.append(LogEvent(level: error.reason.isPersistent ? .error : .warn, message: "account refresh failed", fields: [
                    "account": .string(name), "provider": .string(entry.config.provider), "reason": .string(error.reason.rawValue),
                    "code": error.code.map(LogValue.string), "err": .string(error.message), "request_id": error.requestID.map(LogValue.string),
                    // The account is refreshed again by the first scrape after this delay.
                    "retry_after": .string(PrometheusDuration.format(delay)),
                ]))
            }
        }
        s.entries[name] = entry
        s.generation += 1
        s.nextDue = min(s.nextDue ?? .infinity, entry.status.dueTime(refreshInterval: entry.config.refreshInterval))
        publish(s)
        return events
    }

    /// The backoff before the next attempt after `failures` consecutive
    /// failures, with a fresh jitter draw.
    private func delay(_ refreshInterval: Double, _ reason: FailureReason, _ retryAfter: Double?) -> (Int) -> Double {
        { failures in
            self.backoff.delay(failures: failures, reason: reason, refreshInterval: refreshInterval, jitter: self.jitter(),
                               retryAfter: retryAfter)
        }
    }

    /// Wakes the scrapes whose pending refreshes have all finished.
    private func wakeFinished(_ s: inout State, finishedAccount: String? = nil) {
        for id in Array(s.waiters.keys) {
            if let finishedAccount { s.waiters[id]?.pending.remove(finishedAccount) }
            if let waiter = s.waiters[id], waiter.pending.isEmpty {
                s.waiters.removeValue(forKey: id)
                waiter.wake()
            }
        }
    }
}

/// A consistent view of every account at one instant.
package struct EngineSnapshot: Sendable {
    package var accounts: [(config: AccountConfig, status: AccountStatus)]
    package var now: Double
    package var maxStale: Double
    package var generation: UInt64
    /// Seconds the last complete round of refreshes took; nil before the first.
    package var lastRoundDuration: Double? = nil
}
