import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The Alibaba Cloud answer envelope, pure: a JSON object on success, the
/// gateway's `{"RequestId", "HostId", "Code", "Message", "Recommend"}` on
/// failure (usually with HTTP 4xx/5xx, but classified by `Code`).
///
/// Every error that leaves here is final: the retry delay the answer asked
/// for is attached, and the texts the upstream controls are quoted, scrubbed
/// of `secrets` and cut (`ProviderError.bounded(removing:)`).
enum AlibabaResponse {
    /// The JSON object of a successful answer, or the classified failure.
    /// `what` names the call in messages (`QueryAccountBalance`).
    static func object(_ response: HTTPResponse, what: String, now: Double,
                       removing secrets: [String]) throws(ProviderError) -> [String: JSONValue] {
        do {
            return try classify(status: response.status, body: response.body, what: what)
        } catch {
            throw finished(error, response: response, now: now, removing: secrets)
        }
    }

    /// The error as it leaves the provider: with the answer's retry delay, bounded.
    static func finished(_ error: ProviderError, response: HTTPResponse, now: Double,
                         removing secrets: [String]) -> ProviderError {
        var error = error
        if let delay = retryAfter(response.headers, now: now) { error.retryAfter = delay }
        if error.requestID == nil { error.requestID = response.headers["x-acs-request-id"] }
        return error.bounded(removing: secrets)
    }

    private static func classify(status: Int, body: [UInt8], what: String) throws(ProviderError) -> [String: JSONValue] {
        let json = JSONValue.parse(body)?.object
        let requestID = json?["RequestId"].flatMap(text)
        let code = json?["Code"].flatMap(text)
        if let code, !successCodes.contains(code) {
            var detail = json?["Message"].flatMap(text) ?? code
            if let action = json?["AccessDeniedDetail"]?["AuthAction"].flatMap(text) { detail += " (denied action: \(action))" }
            if let advice = AlibabaErrorCode.advice(for: code) { detail = "\(advice). Upstream: \(detail)" }
            throw ProviderError(AlibabaErrorCode.reason(for: code), code: code, message: "\(what): \(detail)", requestID: requestID)
        }
        guard (200..<300).contains(status) else {
            throw ProviderError(.forHTTPStatus(status), message: "\(what): HTTP status \(status) without an Alibaba Cloud error body",
                                requestID: requestID)
        }
        guard let json else {
            throw ProviderError(.bad_response, message: "\(what): the answer is not a JSON object (\(body.count) bytes, possibly truncated)")
        }
        if json["Success"] == .bool(false) {
            throw ProviderError(.bad_response, message: "\(what): the answer says Success: false without an error code",
                                requestID: requestID)
        }
        return json
    }

    /// `Code` on success: BSS sends `"200"`.
    private static let successCodes: Set<String> = ["200", "Success"]

    /// A string, or a number's literal (`"Code": 200`); nil when empty.
    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s.isEmpty ? nil : s
        case .number(let n): return n.literal
        default: return nil
        }
    }

    /// Seconds to wait: the standard `Retry-After` (RFC 9110 §10.2.3) when
    /// sent, else Alibaba's `x-acs-retry-after`, a positive number of
    /// milliseconds (the SDKs' `ThrottlingException`,
    /// https://github.com/aliyun/darabonba-openapi).
    static func retryAfter(_ headers: HTTPHeaders, now: Double) -> Double? {
        if let standard = RetryAfter.seconds(headers["retry-after"], now: now) { return standard }
        guard let text = headers["x-acs-retry-after"]?.trimmingWhitespace(), !text.isEmpty, text.count <= 12,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let milliseconds = Int(text), milliseconds > 0 else { return nil }
        return Double(milliseconds) / 1000
    }
}
