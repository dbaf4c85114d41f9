import BalanceCore
import BalanceSupport

/// Volcengine's times, pure and locale-free (arithmetic in `CivilTime`).
enum VolcengineTime {
    /// The `X-Date` header: UTC, `YYYYMMDD'T'HHMMSS'Z'` (`20260102T030405Z`),
    /// https://www.volcengine.com/docs/6469/1126803 .
    static func xDate(_ timestamp: Int) -> String {
        let days = CivilTime.floorDiv(timestamp, 86_400)
        let compact = { (text: String) in text.filter { $0 != "-" && $0 != ":" } }
        return compact(CivilTime.date(fromDays: days)) + "T" + compact(CivilTime.time(secondOfDay: timestamp - days * 86_400)) + "Z"
    }

    /// Unix seconds of an RFC 3339 date-time (`2026-01-02T11:04:05+08:00`,
    /// `2026-01-02T03:04:05.5Z`): STS `ExpiredTime`
    /// (https://www.volcengine.com/docs/6257/86374). Nil for anything else.
    static func parseRFC3339(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10),
              let hour = digits(11..<13), let minute = digits(14..<16), let second = digits(17..<19),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        // A real calendar day: one that converts back to the same year, month and day.
        let days = CivilTime.daysFromCivil(year, month, day)
        guard (1...12).contains(month), CivilTime.civil(fromDays: days) == (year, month, day) else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            let start = index
            index += 1
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > start + 1, let value = Double("0" + String(decoding: bytes[start..<index], as: UTF8.self)) else { return nil }
            fraction = value
        }
        let offset: Int
        if index == bytes.count - 1, bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            offset = 0
        } else if index == bytes.count - 6, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
                  bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = digits(index + 1..<index + 3), let minutes = digits(index + 4..<index + 6), hours < 24, minutes < 60 {
            offset = (bytes[index] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }
}
