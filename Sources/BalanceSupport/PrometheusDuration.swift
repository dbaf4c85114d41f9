/// Prometheus-style durations (`500ms`, `30s`, `5m`, `1h30m`, `2d`, `1w`):
/// the same grammar as Prometheus's `model.ParseDuration`, so operators can
/// reuse what they write in prometheus.yml.
package enum PrometheusDuration {
    /// Largest first: in a duration each unit must be smaller than the one before.
    static let units: [(suffix: String, seconds: Double)] = [
        ("y", 31_536_000), ("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1), ("ms", 0.001),
    ]

    /// Prometheus durations are Go `time.Duration`s, int64 nanoseconds (about
    /// 292 years); beyond that a duration also overflows `format` and
    /// `SystemClock.sleep`'s integer conversions (FuzzRegressionTests).
    static let maximumSeconds = Double(Int64.max) / 1e9

    /// Seconds, or nil if `text` is not a duration. Units must appear in
    /// decreasing order, each at most once, as Prometheus requires.
    package static func parse(_ text: String) -> Double? {
        guard !text.isEmpty else { return nil }
        if text == "0" { return 0 }
        var rest = Substring(text)
        var total: Double = 0
        var previousUnit = -1
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 15, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: { $0.isASCII && $0.isLetter })
            guard let unit = units.firstIndex(where: { $0.suffix == letters }), unit > previousUnit else { return nil }
            previousUnit = unit
            total += value * units[unit].seconds
            rest = rest.dropFirst(letters.count)
        }
        return total <= maximumSeconds ? total : nil
    }

    /// The shortest Prometheus-style spelling of `seconds` (for messages).
    package static func format(_ seconds: Double) -> String {
        if seconds < 1 && seconds > 0 { return "\(Int((seconds * 1000).rounded()))ms" }
        var rest = Int(seconds.rounded())
        if rest == 0 { return "0s" }
        var out = ""
        for (suffix, size) in [("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(suffix)"
            rest %= size
        }
        return out
    }
}
