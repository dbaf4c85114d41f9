import Dispatch
import Synchronization

/// The per-account cache between scrapes and upstreams.
///
/// - A scrape starts a refresh of each account whose data is older than its
///   refresh interval (or whose backoff has passed after a failure), then
///   waits for the refreshes in flight at most its budget, then answers from
///   the cache. Unfinished refreshes complete in the background.
/// - One refresh in flight per account: concurrent scrapes share it.
/// - Per provider, a `ProviderGate` bounds the request rate and concurrency.
/// - A failure keeps the last good values while younger than `max_stale`,
///   backs off with jitter, and is logged once per change of state.
public final class RefreshEngine: Sendable {
    struct Entry: Sendable {
        var config: AccountConfig
        var provider: any BalanceProvider
        var status = AccountStatus()
        var inFlight = false
        /// Distinguishes this account from a same-named one after a reload,
        /// so a late result of the old one is dropped.
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
        /// Accounts with a refresh in flight.
        var inFlight: Set<String> = []
        /// No account is due before this time (nil: unknown, scan). Saves a
        /// scan of every account on each scrape between refreshes.
        var nextDue: Double?
        /// Set at shutdown: scrapes no longer wait for refreshes.
        var waitingStopped = false
    }

    private let state = Mutex(State())
    private let clock: any WallClock
    private let logger: Logger
    private let backoff: BackoffPolicy
    private let jitter: @Sendable () -> Double
    private let whenSettled: @Sendable () -> Void

    /// `whenSettled` runs each time the last refresh in flight finishes (the
    /// end of a burst of refreshes), outside any lock.
    public init(clock: any WallClock, logger: Logger, backoff: BackoffPolicy = BackoffPolicy(),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                whenSettled: @escaping @Sendable () -> Void = {}) {
        self.clock = clock
        self.logger = logger
        self.backoff = backoff
        self.jitter = jitter
        self.whenSettled = whenSettled
    }

    /// Installs a configuration. Accounts whose configuration is unchanged
    /// keep their provider (and so its tokens) and their cached data.
    public func apply(_ config: ExporterConfig, providers: [String: any BalanceProvider]) {
        state.withLock { s in
            var entries: [String: Entry] = [:]
            for account in config.accounts {
                guard let provider = providers[account.name] else { continue }
                if let old = s.entries[account.name], old.config == account {
                    entries[account.name] = old
                } else {
                    s.nextID += 1
                    entries[account.name] = Entry(config: account, provider: provider, epoch: s.nextID)
                }
            }
            for (name, limits) in config.providerLimits where s.gates[name]?.limits != limits {
                s.gates[name] = ProviderGate(limits: limits, clock: clock)
            }
            s.entries = entries
            s.inFlight = Set(entries.filter { $0.value.inFlight }.keys)
            s.nextDue = nil
            s.order = config.accounts.map(\.name).filter { entries[$0] != nil }
            s.maxStale = config.maxStale
            s.generation += 1
            // Waiters on accounts that disappeared must not wait for them.
            for id in Array(s.waiters.keys) {
                s.waiters[id]?.pending.formIntersection(s.inFlight)
            }
            wakeFinished(&s)
        }
    }

    /// For a scrape: starts due refreshes, waits for in-flight ones at most
    /// `budget` seconds (blocking the calling thread, never a Swift
    /// concurrency thread), then returns the cached view.
    public func collect(budget: Double) -> EngineSnapshot {
        refresh(budget: budget)
        return snapshot()
    }

    /// `collect` without the snapshot: for callers that first check
    /// `generation` to reuse what they rendered from the last snapshot.
    public func refresh(budget: Double) {
        let semaphore = DispatchSemaphore(value: 0)
        let id = startDueAndRegister { semaphore.signal() }
        if let id, semaphore.wait(timeout: .now() + max(budget, 0)) == .timedOut {
            _ = state.withLock { $0.waiters.removeValue(forKey: id) }
        }
    }

    /// Changes whenever the cached data changes (a refresh finished, a reload).
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// For tests and start-up: starts due refreshes and waits until every
    /// refresh in flight has finished.
    public func refreshNow() async -> EngineSnapshot {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if startDueAndRegister(wake: { continuation.resume() }) == nil { continuation.resume() }
        }
        return snapshot()
    }

    /// For shutdown: wakes every scrape waiting on refreshes, and later ones
    /// do not wait, so each answers at once with what is cached.
    public func stopWaiting() {
        state.withLock { s in
            s.waitingStopped = true
            s.waiters.values.forEach { $0.wake() }
            s.waiters.removeAll()
        }
    }

    /// Scrapes currently waiting on refreshes (for tests and debugging).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    public func snapshot() -> EngineSnapshot {
        let now = clock.now()
        return state.withLock { s in
            EngineSnapshot(accounts: s.order.compactMap { name in s.entries[name].map { ($0.config, $0.status) } },
                           now: now, maxStale: s.maxStale, generation: s.generation)
        }
    }

    /// Returns the waiter's id, or nil when nothing is in flight.
    private func startDueAndRegister(wake: @escaping @Sendable () -> Void) -> UInt64? {
        let now = clock.now()
        let (id, started) = state.withLock { s -> (UInt64?, [(Entry, ProviderGate?)]) in
            var started: [(Entry, ProviderGate?)] = []
            if s.nextDue.map({ now >= $0 }) ?? true {
                var nextDue = Double.infinity
                for name in s.order {
                    guard var entry = s.entries[name], !entry.inFlight else { continue }
                    let due = entry.status.dueTime(refreshInterval: entry.config.refreshInterval)
                    guard now >= due else {
                        nextDue = min(nextDue, due)
                        continue
                    }
                    entry.inFlight = true
                    s.entries[name] = entry
                    s.inFlight.insert(name)
                    started.append((entry, s.gates[entry.config.provider]))
                }
                // Accounts in flight get their next due time when they finish.
                s.nextDue = nextDue
            }
            let pending = s.inFlight
            guard !pending.isEmpty, !s.waitingStopped else { return (nil, started) }
            s.nextID += 1
            s.waiters[s.nextID] = Waiter(pending: pending, wake: wake)
            return (s.nextID, started)
        }
        for (entry, gate) in started { launch(entry, gate: gate) }
        return id
    }

    private func launch(_ entry: Entry, gate: ProviderGate?) {
        let name = entry.config.name
        let epoch = entry.epoch
        let provider = entry.provider
        Task {
            let result: Result<BalanceReading, ProviderError>
            var started = clock.now()
            do {
                try await gate?.acquire()
                started = clock.now()
                result = .success(try await provider.fetchBalance())
            } catch let error as ProviderError {
                result = .failure(error)
            } catch {
                result = .failure(ProviderError(.network, message: "refresh cancelled"))
            }
            await gate?.release()
            finish(name: name, epoch: epoch, result: result, started: started, finished: clock.now())
        }
    }

    private struct LogEvent {
        var level: LogLevel
        var message: String
        var fields: KeyValuePairs<String, LogValue?>
    }

    private func finish(name: String, epoch: UInt64, result: Result<BalanceReading, ProviderError>, started: Double, finished: Double) {
        let event: LogEvent? = state.withLock { s in
            record(&s, name: name, epoch: epoch, result: result, started: started, finished: finished)
        }
        // Logged before waking the scrapes, so whoever waited sees the log too.
        if let event { logger.log(event.level, event.message, event.fields) }
        let settled = state.withLock { s in
            wakeFinished(&s, finishedAccount: name)
            return s.inFlight.isEmpty
        }
        if settled { whenSettled() }
    }

    /// Folds one refresh result into the account's status; returns what to
    /// log, only when the account's state changed (not once per scrape).
    private func record(_ s: inout State, name: String, epoch: UInt64, result: Result<BalanceReading, ProviderError>,
                        started: Double, finished: Double) -> LogEvent? {
        guard var entry = s.entries[name], entry.epoch == epoch else { return nil }
        entry.inFlight = false
        s.inFlight.remove(name)
        let previous = entry.status
        var status = previous
        status.requests += 1
        status.lastAttempt = finished
        status.lastDuration = max(0, finished - started)
        var event: LogEvent?
        switch result {
        case .success(let reading):
            status.reading = reading
            status.lastSuccess = finished
            status.up = true
            status.consecutiveFailures = 0
            status.notBefore = 0
            status.lastError = nil
            if previous.up == false {
                event = LogEvent(level: .info, message: "account refresh recovered",
                                 fields: ["account": .string(name), "provider": .string(entry.config.provider)])
            }
        case .failure(let error):
            status.up = false
            status.errors[error.reason, default: 0] += 1
            status.consecutiveFailures += 1
            let delay = backoff.delay(failures: status.consecutiveFailures, reason: error.reason,
                                      refreshInterval: entry.config.refreshInterval, jitter: jitter())
            status.notBefore = finished + delay
            status.lastError = error
            let changed = previous.up != false || previous.lastError?.reason != error.reason || previous.lastError?.code != error.code
            if changed {
                event = LogEvent(level: error.reason.isPersistent ? .error : .warn, message: "account refresh failed", fields: [
                    "account": .string(name), "provider": .string(entry.config.provider), "reason": .string(error.reason.rawValue),
                    "code": error.code.map(LogValue.string), "err": .string(error.message), "request_id": error.requestID.map(LogValue.string),
                    "retry_in": .string(Duration.format(delay)),
                ])
            }
        }
        entry.status = status
        s.entries[name] = entry
        s.generation += 1
        s.nextDue = min(s.nextDue ?? .infinity, status.dueTime(refreshInterval: entry.config.refreshInterval))
        return event
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
public struct EngineSnapshot: Sendable {
    public var accounts: [(config: AccountConfig, status: AccountStatus)]
    public var now: Double
    public var maxStale: Double
    public var generation: UInt64
}
