import BalanceCore
import BalanceSupport

/// `GET /api/v1/accounts`: the status page's facts as JSON, for scripts.
/// Every key is always present (null when unknown); times are Unix seconds,
/// as in the metrics. Written by the one JSON writer (`JSONValue`). Pure.
///
/// ```json
/// {"accounts":[{"age_seconds":4,"available":1234.56,"currency":"USD","error":null,
///   "last_refresh_duration_seconds":0.012,"last_success_timestamp_seconds":1800000000,
///   "name":"prod","next_refresh_timestamp_seconds":1800000060,"provider":"tencentcloud",
///   "state":"up","uin":"600000561284"}],
///  "summary":{"accounts":1,"gone":0,"stale":0,"up":1,"waiting":0},"time":1800000004}
/// ```
package enum AccountsAPI {
    package static let path = "/api/v1/accounts"

    package static func json(_ snapshot: EngineSnapshot) -> [UInt8] {
        let rows = AccountRow.rows(snapshot)
        var summary: [String: JSONValue] = ["accounts": .number(JSONNumber(rows.count))]
        for state in AccountRow.State.allCases {
            summary[state.rawValue] = .number(JSONNumber(rows.count { $0.state == state }))
        }
        let document: JSONValue = .object([
            "accounts": .array(rows.map { json($0, now: snapshot.now) }),
            "summary": .object(summary),
            "time": number(snapshot.now),
        ])
        return Array((document.text + "\n").utf8)
    }

    static func json(_ row: AccountRow, now: Double) -> JSONValue {
        let error: JSONValue = row.error.map { error in
            .object(["reason": .string(error.reason.rawValue), "code": error.code.map(JSONValue.string) ?? .null,
                     "message": .string(error.message)])
        } ?? .null
        return .object([
            "name": .string(row.name),
            "provider": .string(row.provider),
            "uin": .string(row.uin),
            "currency": row.currency.map(JSONValue.string) ?? .null,
            "state": .string(row.state.rawValue),
            "available": number(row.available),
            "last_success_timestamp_seconds": number(row.lastSuccess),
            "age_seconds": number(row.lastSuccess.map { max(0, now - $0) }),
            "last_refresh_duration_seconds": number(row.lastDuration),
            "next_refresh_timestamp_seconds": number(row.nextRefresh),
            "error": error,
        ])
    }

    private static func number(_ value: Double?) -> JSONValue {
        value.flatMap { JSONNumber($0) }.map(JSONValue.number) ?? .null
    }
}
