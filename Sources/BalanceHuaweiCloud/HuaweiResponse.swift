import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Huawei Cloud's answers and error envelopes, pure: status, headers and
/// body in; the JSON object of a success, or the failure as a classified,
/// bounded `ProviderError`.
///
/// Envelopes, as the official SDK reads them
/// (https://github.com/huaweicloud/huaweicloud-sdk-python-v3, `core/exceptions/exception_handler.py`):
/// `{"error_code", "error_msg"}` (BSS; the gateway adds `request_id`),
/// `{"errorCode", "errorMsg"}`, `{"code", "message"}`, or one of them nested
/// in a single member (IAM's Keystone form `{"error": {"code": 403, "message": ...}}`).
/// BSS sends some errors with HTTP 200, so a code in a 2xx body is a failure.
package enum HuaweiResponse {
    /// What an answer is read with.
    package struct Exchange: Sendable {
        /// Prefixes every message when set: `IAM GET /v3/auth/domains`.
        package var call: String?
        /// Where the request went (the message after `CBC.0156` names the other sites).
        package var endpoint: HTTPURL
        /// Unix seconds, for `Retry-After` dates and the clock skew.
        package var now: Double
        /// Removed from every text of an error (`HuaweiCredentials.secrets`).
        package var secrets: [String]

        package init(call: String? = nil, endpoint: HTTPURL, now: Double, secrets: [String]) {
            self.call = call
            self.endpoint = endpoint
            self.now = now
            self.secrets = secrets
        }
    }

    struct Envelope: Equatable {
        var code: String
        var message: String?
        var requestID: String?
    }

    /// The JSON object of a successful answer, read by `parse`. Every error
    /// leaves with the request ID (the gateway's body's, else `X-Request-Id`),
    /// the upstream's `Retry-After`, scrubbed of the secrets and bounded.
    static func read<Result>(_ response: HTTPResponse, _ exchange: Exchange,
                             _ parse: ([String: JSONValue]) throws(ProviderError) -> Result) throws(ProviderError) -> Result {
        var requestID = response.headers["x-request-id"]
        do throws(ProviderError) {
            let object = try payload(response, exchange, requestID: &requestID)
            return try parse(object)
        } catch {
            throw finish(error, response, exchange, requestID: requestID)
        }
    }

    /// The error as it may leave the provider.
    static func finish(_ error: ProviderError, _ response: HTTPResponse, _ exchange: Exchange,
                       requestID: String? = nil) -> ProviderError {
        var error = error.retrying(after: response, now: exchange.now)
        error.requestID = error.requestID ?? requestID
        if let call = exchange.call { error.message = "\(call): \(error.message)" }
        return error.bounded(removing: exchange.secrets)
    }

    private static func payload(_ response: HTTPResponse, _ exchange: Exchange,
                                requestID: inout String?) throws(ProviderError) -> [String: JSONValue] {
        let status = response.status
        let object = JSONValue.parse(response.body)?.object
        if let object, let envelope = envelope(object) {
            requestID = envelope.requestID ?? requestID
            throw failure(envelope, response, exchange)
        }
        guard (200..<300).contains(status) else {
            throw ProviderError(.forHTTPStatus(status), message: "HTTP status \(status) without a Huawei Cloud error body")
        }
        guard let object else {
            throw ProviderError(.bad_response, message: "the answer is not a JSON object (\(response.body.count) bytes, possibly truncated)")
        }
        if ["error_code", "errorCode", "error_msg", "errorMsg"].contains(where: { object[$0].map { $0 != .null } ?? false }) {
            throw ProviderError(.bad_response, message: "the answer reports an error without an error code")
        }
        return object
    }

    static func envelope(_ object: [String: JSONValue], nested: Bool = false) -> Envelope? {
        for (codeKey, messageKey) in [("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")] {
            guard let code = object[codeKey].flatMap(text) else { continue }
            return Envelope(code: code, message: object[messageKey].flatMap(text), requestID: object["request_id"].flatMap(text))
        }
        guard !nested, object.count == 1, let inner = object.values.first?.object else { return nil }
        return envelope(inner, nested: true)
    }

    /// A non-empty string, or a whole number as its digits.
    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s.trimmingWhitespace().isEmpty ? nil : s
        case .number(let n): return n.wholeNumberText
        default: return nil
        }
    }

    static func failure(_ envelope: Envelope, _ response: HTTPResponse, _ exchange: Exchange) -> ProviderError {
        let message = envelope.message ?? envelope.code
        // Whatever the body says, HTTP 429 is throttling (the Python SDK even drops the body).
        let reason = response.status == 429 ? .throttled : HuaweiErrorCode.reason(code: envelope.code, message: message)
        var detail = message
        if reason == .clock, let offset = serverClockOffset(response.headers, now: exchange.now),
           let date = response.headers["date"] {
            let seconds = Int(offset.rounded())
            detail += " (the server's Date is \(date): this host's clock is \(abs(seconds)) s \(seconds >= 0 ? "behind" : "ahead"))"
        } else if reason == .auth, HuaweiErrorCode.isLockedOut(message) {
            detail += " (Huawei Cloud locks an access key for 5 minutes after repeated authentication failures)"
        } else if envelope.code == HuaweiErrorCode.wrongSite {
            let others = HuaweiCloud.sites.filter { HTTPURL(string: $0)?.host.lowercased() != exchange.endpoint.host.lowercased() }
            detail += " (the account belongs to another Huawei Cloud site: set endpoint to \(others.joined(separator: " or ")))"
        }
        return ProviderError(reason, code: envelope.code, message: detail)
    }

    /// Seconds the server's clock (its `Date` header) is ahead of `now`; nil without a readable `Date`.
    package static func serverClockOffset(_ headers: HTTPHeaders, now: Double) -> Double? {
        guard let date = headers["date"], let server = RetryAfter.httpDate(date, now: now) else { return nil }
        return server - now
    }
}
