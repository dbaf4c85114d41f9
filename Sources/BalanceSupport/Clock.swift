import Glibc

/// Time, injected: the engine, token lifetimes and rate limits read it, so
/// tests advance a test clock instead of sleeping.
package protocol WallClock: Sendable {
    /// Seconds since the Unix epoch.
    func now() -> Double
    /// Suspends for `seconds` of this clock's time. Throws on task cancellation.
    func sleep(seconds: Double) async throws
}

package struct SystemClock: WallClock {
    package init() {}
    package func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    package func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}
