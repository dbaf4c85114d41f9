/// `PrometheusDuration.parse`: durations in the configuration file
/// (`refresh_interval`, `max_stale`, provider timeouts). A parsed duration is
/// finite and not negative, can be printed by `PrometheusDuration.format` (log lines),
/// and the shortest spelling of a whole number of seconds parses back to it.
@testable import BalanceSupport

func fuzzDuration(_ bytes: [UInt8]) -> CInt {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let seconds = PrometheusDuration.parse(text) else { return 0 }
    fuzzRequire(seconds.isFinite && seconds >= 0, "\(text.debugDescription) parsed to \(seconds)")
    let printed = PrometheusDuration.format(seconds)
    if seconds >= 1, seconds == seconds.rounded() {
        fuzzRequire(PrometheusDuration.parse(printed) == seconds, "\(text.debugDescription) → \(seconds) → \(printed)")
    }
    return 0
}
