/// When to retry an account after a failed refresh. Pure: the engine passes
/// the failure count, the reason and a jitter value in [0, 1).
package struct BackoffPolicy: Sendable, Equatable {
    /// First retry delay for transient failures, seconds.
    package var base: Double = 2
    /// First retry delay when the upstream throttled us: it asked us to slow down.
    package var throttledBase: Double = 15
    /// No delay exceeds this (or the account's refresh interval if longer).
    package var maximum: Double = 300

    package init() {}

    /// Seconds to wait before the next attempt after `failures` consecutive
    /// failures (1 for the first). Credential, permission and duplicate
    /// errors cannot be fixed by retrying soon, so they go straight to the
    /// maximum. Others
    /// double from their base, with "equal jitter" (half fixed, half random)
    /// so many accounts failing together do not retry in lockstep. An
    /// upstream's `Retry-After` (`retryAfter` seconds) lengthens the delay to
    /// it, but never beyond the maximum.
    package func delay(failures: Int, reason: FailureReason, refreshInterval: Double, jitter: Double,
                      retryAfter: Double? = nil) -> Double {
        let ceiling = max(maximum, refreshInterval)
        if reason.isPersistent { return ceiling }
        let start = reason == .throttled ? throttledBase : base
        let exponent = Double(min(max(failures - 1, 0), 30))
        let raw = min(ceiling, start * pow2(exponent))
        let backoff = raw / 2 + raw / 2 * min(max(jitter, 0), 1)
        guard let retryAfter, retryAfter > 0 else { return backoff }
        return max(backoff, min(retryAfter, ceiling))
    }

    private func pow2(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= 2 }
        return result
    }
}
