import BalanceHTTP
import BalanceSupport

/// The Huawei simulators' answers and time formats, written on their own
/// (not shared with the provider), pure.
enum HuaweiSimulatorWire {
    /// A JSON answer as the gateway sends it: `X-Request-Id`, and `Date` from the simulator's clock.
    static func json(_ text: String, status: Int = 200, requestID: String, now: Double,
                     extraHeaders: HTTPHeaders = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json;charset=UTF-8"), ("X-Request-Id", requestID),
                                               ("Date", httpDate(now))] + extraHeaders,
                     body: Array(text.utf8))
    }

    /// The API gateway's envelope (`APIGW.xxxx`), which carries the request ID in the body too.
    static func gatewayError(_ status: Int, _ code: String, _ message: String, requestID: String, now: Double,
                             extraHeaders: HTTPHeaders = []) -> HTTPResponse {
        json(JSONValue.objectText([("error_msg", JSONValue.string(message).text), ("error_code", JSONValue.string(code).text),
                                   ("request_id", JSONValue.string(requestID).text)]),
             status: status, requestID: requestID, now: now, extraHeaders: extraHeaders)
    }

    /// The BSS envelope: `{"error_code": "CBC.xxxx", "error_msg": ...}`.
    static func serviceError(_ status: Int, _ code: String, _ message: String, requestID: String, now: Double) -> HTTPResponse {
        json(JSONValue.objectText([("error_code", JSONValue.string(code).text), ("error_msg", JSONValue.string(message).text)]),
             status: status, requestID: requestID, now: now)
    }

    /// What a load balancer or proxy answers: HTML, no envelope.
    static func html(_ status: Int, _ text: String, now: Double) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html"), ("Date", httpDate(now))],
                     body: Array("<html><body><h1>\(text)</h1></body></html>".utf8))
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate (RFC 9110 §5.6.7): `Tue, 01 Dec 2026 08:03:50 GMT`.
    static func httpDate(_ now: Double) -> String {
        let seconds = Int(now.rounded(.down))
        let days = CivilTime.floorDiv(seconds, 86_400)
        let (year, month, day) = CivilTime.civil(fromDays: days)
        let weekday = weekdays[((days % 7) + 7) % 7]
        return "\(weekday), \(CivilTime.pad(day, 2)) \(months[month - 1]) \(CivilTime.pad(year, 4)) "
            + "\(CivilTime.time(secondOfDay: seconds - days * 86_400)) GMT"
    }

    /// `yyyyMMddTHHmmssZ`, as `X-Sdk-Date` and the gateway's messages write it.
    static func sdkDate(_ now: Double) -> String {
        let seconds = Int(now.rounded(.down))
        let days = CivilTime.floorDiv(seconds, 86_400)
        let (year, month, day) = CivilTime.civil(fromDays: days)
        let second = seconds - days * 86_400
        return CivilTime.pad(year, 4) + CivilTime.pad(month, 2) + CivilTime.pad(day, 2) + "T"
            + CivilTime.pad(second / 3600, 2) + CivilTime.pad(second / 60 % 60, 2) + CivilTime.pad(second % 60, 2) + "Z"
    }

    /// Unix seconds of an `X-Sdk-Date`; nil when it is not one.
    static func parseSDKDate(_ text: String) -> Int? {
        let chars = Array(text.utf8)
        guard chars.count == 16, chars[8] == UInt8(ascii: "T"), chars[15] == UInt8(ascii: "Z") else { return nil }
        let digits = chars[0..<8] + chars[9..<15]
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let n = digits.map { Int($0) - 0x30 }
        func value(_ from: Int, _ count: Int) -> Int { n[from..<(from + count)].reduce(0) { $0 * 10 + $1 } }
        let (year, month, day) = (value(0, 4), value(4, 2), value(6, 2))
        let (hour, minute, second) = (value(8, 2), value(10, 2), value(12, 2))
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        return CivilTime.daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// The metadata service's `expires_at`: `2026-12-01T09:03:50.000000Z`.
    static func expiresAt(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        let days = CivilTime.floorDiv(whole, 86_400)
        return CivilTime.date(fromDays: days) + "T" + CivilTime.time(secondOfDay: whole - days * 86_400) + ".000000Z"
    }
}
