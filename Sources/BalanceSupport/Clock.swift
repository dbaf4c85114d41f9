import Glibc

/// Time, injected: the engine, token lifetimes, rate limits and scrape
/// budgets read it, so tests advance a test clock instead of sleeping.
///
/// Two readings: `now()`, wall time, for what is reported or compared with
/// other machines (timestamps, token expiry, signatures); `uptime()`,
/// monotonic, for durations and deadlines, which must neither jump nor run
/// backwards when the wall clock is set.
package protocol WallClock: Sendable {
    /// Seconds since the Unix epoch.
    func now() -> Double
    /// Seconds on a monotonic clock with an arbitrary origin.
    func uptime() -> Double
    /// Suspends for `seconds` of this clock's time. Throws on task cancellation.
    func sleep(seconds: Double) async throws
}

package struct SystemClock: WallClock {
    package init() {}
    package func now() -> Double { Self.read(CLOCK_REALTIME) }
    package func uptime() -> Double { Self.monotonic() }
    package func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 1e9) * 1_000_000_000))
    }

    /// The system's monotonic seconds (CLOCK_MONOTONIC), for the I/O edges
    /// that bound real waits (socket deadlines, connection timeouts).
    package static func monotonic() -> Double { read(CLOCK_MONOTONIC) }

    private static func read(_ clock: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(clock, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
