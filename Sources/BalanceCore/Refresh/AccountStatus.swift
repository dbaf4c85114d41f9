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

    /// Whether the last good values may still be exported at `now`.
    package func isFresh(now: Double, maxStale: Double) -> Bool {
        guard let lastSuccess else { return false }
        if up == true { return true }
        return now - lastSuccess <= maxStale
    }
}
