import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Tencent Cloud's dates and times, pure and locale-free (arithmetic in `CivilTime`).
enum TencentCalendar {
    /// Tencent bills in Beijing time: the console, the invoices and the
    /// `TempAmountInfoList` times (`2026-11-16 00:00:00`, no zone given) are
    /// China Standard Time, UTC+8 with no daylight saving.
    static let beijingOffsetSeconds = 8 * 3600

    /// `yyyy-MM-dd` of the UTC day containing `timestamp`: the TC3 credential
    /// scope date (TC3 signing spec: "Date is the UTC date of X-TC-Timestamp").
    static func utcDate(_ timestamp: Int) -> String {
        CivilTime.date(fromDays: CivilTime.floorDiv(timestamp, 86_400))
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
        let days = CivilTime.daysFromCivil(year, month, day)
        return days * 86_400 + hour * 3600 + minute * 60 + second - beijingOffsetSeconds
    }

    /// RFC 3339 in Beijing time: `2026-11-16T00:00:00+08:00`.
    static func rfc3339Beijing(_ timestamp: Int) -> String {
        let local = timestamp + beijingOffsetSeconds
        let days = CivilTime.floorDiv(local, 86_400)
        return "\(CivilTime.date(fromDays: days))T\(CivilTime.time(secondOfDay: local - days * 86_400))+08:00"
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(c - UInt8(ascii: "0"))
        }
        return value
    }
}
