import BalanceSupport

/// Beijing time (UTC+8, no daylight saving) as Tencent Cloud writes it in its
/// answers, the simulators' own (never the provider's calendar code, so a bug
/// there is not mirrored here). Pure.
package enum SimulatedBeijingTime {
    package static let offsetSeconds = 8 * 3600
    package static let day = 86_400

    /// Unix seconds of 00:00:00 Beijing time on the day containing `timestamp`.
    package static func startOfDay(_ timestamp: Int) -> Int {
        CivilTime.floorDiv(timestamp + offsetSeconds, day) * day - offsetSeconds
    }

    /// `2026-11-16 00:00:00`, as in `TempAmountInfoList`.
    package static func zoneless(_ timestamp: Int) -> String {
        let (date, time) = parts(timestamp)
        return "\(date) \(time)"
    }

    /// `2026-11-16T00:00:00+08:00`, as in STS and metadata `Expiration`.
    package static func rfc3339(_ timestamp: Int) -> String {
        let (date, time) = parts(timestamp)
        return "\(date)T\(time)+08:00"
    }

    private static func parts(_ timestamp: Int) -> (date: String, time: String) {
        let local = timestamp + offsetSeconds
        let days = CivilTime.floorDiv(local, day)
        return (CivilTime.date(fromDays: days), CivilTime.time(secondOfDay: local - days * day))
    }
}
