/// Proleptic Gregorian calendar arithmetic on Unix time, pure and
/// locale-free (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"):
/// UTC log timestamps and Tencent Cloud's dates need no zone database.
package enum CivilTime {
    /// RFC 3339 UTC with milliseconds, as in logs: `2026-11-23T15:09:33.100Z`.
    package static func rfc3339UTC(milliseconds: Int) -> String {
        let days = floorDiv(milliseconds, 86_400_000)
        let ms = milliseconds - days * 86_400_000
        return "\(date(fromDays: days))T\(time(secondOfDay: ms / 1000)).\(pad(ms % 1000, 3))Z"
    }

    /// `yyyy-MM-dd` of a day counted from 1970-01-01.
    package static func date(fromDays days: Int) -> String {
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// `HH:mm:ss` of a second of the day (0..<86400).
    package static func time(secondOfDay second: Int) -> String {
        "\(pad(second / 3600, 2)):\(pad(second / 60 % 60, 2)):\(pad(second % 60, 2))"
    }

    package static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    package static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    package static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
