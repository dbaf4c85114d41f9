/// How the demo's numbers move with time: pure functions of the seconds
/// elapsed since the demo started, so the same clock always gives the same
/// answers (no timer thread, nothing to race).
enum DemoMotion {
    /// `start` drained by `perSecond` for `elapsed` seconds, topped up back to
    /// `start` each time it would fall below `floor` (a customer's automatic
    /// recharge): a demo left running for days never drifts into absurd
    /// values, and an account meant to stay under the `BalanceLow` threshold
    /// never crosses zero.
    static func sawtooth(start: Int64, perSecond: Double, floor: Int64, elapsed: Double) -> Int64 {
        let span = Double(start - floor)
        guard span > 0, perSecond > 0, elapsed > 0, elapsed.isFinite else { return start }
        let drained = (perSecond * elapsed).truncatingRemainder(dividingBy: span)
        return start - Int64(drained.rounded(.down))
    }

    /// `start` growing by `perSecond` (a debt that accrues).
    static func growing(start: Int64, perSecond: Double, elapsed: Double) -> Int64 {
        guard elapsed > 0, elapsed.isFinite else { return start }
        return start + Int64((perSecond * elapsed).rounded(.down))
    }

    /// Cents as major units (Yeastar sends `675.24`, not cents). Dividing the
    /// integer gives the Double nearest the two-decimal value, which prints as
    /// such; no float drift accumulates over time.
    static func majorUnits(cents: Int64) -> Double {
        Double(cents) / 100
    }

    /// Seconds since the demo started: never negative (a clock set back) and
    /// at most a century, so every integer conversion above stays in range
    /// whatever the injected clock says.
    static func elapsed(now: Double, since start: Double) -> Double {
        let elapsed = now - start
        return elapsed.isFinite && elapsed > 0 ? min(elapsed, maxElapsed) : 0
    }
    static let maxElapsed = 100 * 365 * 86_400.0

    /// Whole Unix seconds of a clock reading; 0 for a reading no calendar can hold.
    static func wholeSeconds(_ time: Double) -> Int {
        time.isFinite && abs(time) < 1e15 ? Int(time.rounded(.down)) : 0
    }
}
