import BalanceCore
import BalanceSupport

/// The one timestamp format of the Alibaba Cloud APIs, `yyyy-MM-ddTHH:mm:ssZ`
/// in UTC: the `x-acs-date` header, STS and ECS-role `Expiration`. Pure.
enum AlibabaTime {
    /// `2026-01-02T03:04:05Z` for Unix seconds.
    static func text(_ seconds: Int) -> String {
        let days = CivilTime.floorDiv(seconds, 86_400)
        return "\(CivilTime.date(fromDays: days))T\(CivilTime.time(secondOfDay: seconds - days * 86_400))Z"
    }

    /// Unix seconds of exactly that format; nil for anything else.
    static func seconds(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...daysIn(month, of: year)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        return Double(CivilTime.daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
    }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
