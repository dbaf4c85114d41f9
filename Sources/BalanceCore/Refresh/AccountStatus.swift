/// What the engine knows about one account: the last good reading and the
/// history of its refreshes. A plain value, updated by the engine.
package struct AccountStatus: Sendable, Equatable {
    /// The last successful reading, kept while younger than `max_stale`.
    package var reading: BalanceReading?
    package var lastSuccess: Double?
    package var lastAttempt: Double?
    package var lastDuration: Double?
    /// Outcome of the last finished refresh; nil before the first.
    package var up: Bool?
    package var requests: UInt64 = 0
    package var errors: [FailureReason: UInt64] = [:]
    package var consecutiveFailures = 0
    /// No new attempt before this time (backoff after failures).
    package var notBefore: Double = 0
    package var lastError: ProviderError?
    /// The `uin` the upstream reported in the last success; a changed
    /// account keeps it over a reload until its next success.
    package var uin: String?
    /// While the account reports the `uin` an account earlier in the
    /// configuration exports: that account's name (see `FailureReason.duplicate`).
    package var duplicateOf: String?
    /// Upstream values left out to stay within the bounds (`BalanceReading.dropped`):
    /// in all, and in the last success (to log a change once).
    package var droppedValues: UInt64 = 0
    package var lastDropped = 0

    package init() {}

    /// From when a scrape should start a refresh: at once before the first
    /// attempt, a refresh interval after a success, after the backoff after a failure.
    package func dueTime(refreshInterval: Double) -> Double {
        guard lastAttempt != nil else { return -.infinity }
        if up == true, let lastSuccess { return lastSuccess + refreshInterval }
        return notBefore
    }

    /// The one staleness rule: until when (inclusive) the last good values
    /// are exported: for ever while the account is up, `max_stale` after its
    /// last success once it fails; nil before any success.
    package func exportedUntil(maxStale: Double) -> Double? {
        guard let lastSuccess else { return nil }
        return up == true ? .infinity : lastSuccess + maxStale
    }

    /// Whether the last good values may still be exported at `now`.
    package func isFresh(now: Double, maxStale: Double) -> Bool {
        guard let until = exportedUntil(maxStale: maxStale) else { return false }
        return now <= until
    }
}

// MARK: Transitions, pure: the old status, the result and the time in, the new status out.

extension AccountStatus {
    /// After a refresh attempt from `started` to `finished`, whatever its outcome.
    private func attempted(started: Double, finished: Double) -> AccountStatus {
        var status = self
        status.requests += 1
        status.lastAttempt = finished
        status.lastDuration = max(0, finished - started)
        return status
    }

    /// After a successful refresh: `reading` (already bounded) is exported from now on.
    package func succeeded(_ reading: BalanceReading, started: Double, finished: Double) -> AccountStatus {
        var status = attempted(started: started, finished: finished)
        status.uin = reading.uin
        status.duplicateOf = nil
        status.reading = reading
        status.lastSuccess = finished
        status.up = true
        status.consecutiveFailures = 0
        status.notBefore = 0
        status.lastError = nil
        status.droppedValues += UInt64(reading.dropped)
        status.lastDropped = reading.dropped
        return status
    }

    /// After a failed refresh: counted by reason, the last good values kept
    /// (`isFresh` says for how long), the next attempt `delay` seconds later
    /// (the backoff for `consecutiveFailures`, see `BackoffPolicy`).
    package func failed(_ error: ProviderError, started: Double, finished: Double,
                        delay: (_ consecutiveFailures: Int) -> Double) -> AccountStatus {
        var status = attempted(started: started, finished: finished)
        status.up = false
        status.errors[error.reason, default: 0] += 1
        status.consecutiveFailures += 1
        status.notBefore = finished + delay(status.consecutiveFailures)
        status.lastError = error
        return status
    }
}
