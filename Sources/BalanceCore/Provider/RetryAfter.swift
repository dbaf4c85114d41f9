import BalanceHTTP
import BalanceSupport

/// The `Retry-After` response header (RFC 9110 §10.2.3,
/// https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3): `delay-seconds`
/// or an HTTP-date, in any of the three formats a recipient must accept
/// (§5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`. Pure.
package enum RetryAfter {
    /// Seconds from `now` to wait; nil when absent or unreadable; 0 for a
    /// date in the past. Not capped here: the engine caps it at its backoff maximum.
    package static func seconds(_ value: String?, now: Double) -> Double? {
        guard let text = value?.trimmingWhitespace(), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Digits only: beyond Int range it is merely "very long".
            return Double(text)
        }
        guard let date = httpDate(text, now: now) else { return nil }
        return max(0, date - now)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Unix seconds of an HTTP-date, nil if it is none of the three formats.
    package static func httpDate(_ text: String, now: Double) -> Double? {
        let words = text.split(separator: " ")
        let year: Int?, month: Int?, day: Int?, clock: Substring
        switch words.count {
        case 6 where words[0].hasSuffix(",") && words[5] == "GMT":  // IMF-fixdate
            (day, month, year, clock) = (Int(words[1]), months.firstIndex(of: String(words[2])), Int(words[3]), words[4])
        case 4 where words[0].hasSuffix(",") && words[3] == "GMT":  // RFC 850
            let parts = words[1].split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2].count == 2, let twoDigits = Int(parts[2]) else { return nil }
            // §5.6.7: a two-digit year more than 50 years in the future is in the past century.
            let thisYear = CivilTime.civil(fromDays: Int((now / 86_400).rounded(.down))).year
            var full = thisYear - thisYear % 100 + twoDigits
            if full > thisYear + 50 { full -= 100 }
            (day, month, year, clock) = (Int(parts[0]), months.firstIndex(of: String(parts[1])), full, words[2])
        case 5:  // asctime: the day of the month may be space-padded, so split() already dropped the extra space
            (month, day, clock, year) = (months.firstIndex(of: String(words[1])), Int(words[2]), words[3], Int(words[4]))
        default:
            return nil
        }
        let hms = clock.split(separator: ":", omittingEmptySubsequences: false).map { $0.count == 2 ? Int($0) : nil }
        guard let year, let month, let day, (1...31).contains(day), (0...9999).contains(year),
              hms.count == 3, let hour = hms[0], let minute = hms[1], let second = hms[2],
              hour < 24, minute < 60, second < 61 else { return nil }
        let days = CivilTime.daysFromCivil(year, month + 1, day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }
}
