/// Calendar arithmetic for Tencent Cloud, pure and locale-free (no
/// DateFormatter: its time zone and locale defaults are process-global).
enum TencentCalendar {
    /// Tencent bills in Beijing time: the console, the invoices and the
    /// `TempAmountInfoList` times (`2026-11-16 00:00:00`, no zone given) are
    /// China Standard Time, UTC+8 with no daylight saving.
    static let beijingOffsetSeconds = 8 * 3600

    /// `yyyy-MM-dd` of the UTC day containing `timestamp`: the TC3 credential
    /// scope date (TC3 signing spec: "Date is the UTC date of X-TC-Timestamp").
    static func utcDate(_ timestamp: Int) -> String {
        let (y, m, d) = civil(fromDays: floorDiv(timestamp, 86_400))
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Unix seconds of a zoneless `yyyy-MM-dd HH:mm:ss` (or `yyyy-MM-ddTHH:mm:ss`)
    /// read as Beijing time; nil when the text is not such a time.
    static func parseBeijingTime(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
              let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year, month, day)
        return days * 86_400 + hour * 3600 + minute * 60 + second - beijingOffsetSeconds
    }

    /// RFC 3339 in Beijing time: `2026-11-16T00:00:00+08:00`.
    static func rfc3339Beijing(_ timestamp: Int) -> String {
        let local = timestamp + beijingOffsetSeconds
        let (y, m, d) = civil(fromDays: floorDiv(local, 86_400))
        let secondOfDay = local - floorDiv(local, 86_400) * 86_400
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))+08:00"
    }

    // MARK: Proleptic Gregorian arithmetic (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms")

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
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

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(c - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
