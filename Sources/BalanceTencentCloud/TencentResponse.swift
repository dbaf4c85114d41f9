import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The API 3.0 response envelope, pure: `{"Response": {..., "RequestId": ...}}`
/// on success, `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` on
/// failure, often with HTTP 200, so the body is checked before the status.
/// Upstream texts are passed on whole: the client scrubs and bounds every
/// error it throws (`ProviderError.bounded(removing:)`).
enum TencentResponse {
    /// The `Response` object of a successful call, or the failure as a `ProviderError`.
    static func payload(status: Int, body: [UInt8]) throws(ProviderError) -> [String: JSONValue] {
        let json = JSONValue.parse(body)
        if let response = json?["Response"], case .object(let error)? = response["Error"] {
            let code = error["Code"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            let message = error["Message"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? code.map { "error \($0)" } ?? "error without a code"
            // HTTP 429 is throttling whatever the envelope says (the rule every provider follows).
            let reason = status == 429 ? .throttled : TencentErrorCode.reason(for: code ?? "")
            throw ProviderError(reason, code: code, message: message, requestID: response["RequestId"]?.string)
        }
        guard (200..<300).contains(status) else {
            throw ProviderError(.forHTTPStatus(status), message: "HTTP status \(status) without a Tencent Cloud error body")
        }
        guard let json else {
            throw ProviderError(.bad_response, message: "response is not JSON (\(body.count) bytes, possibly truncated)")
        }
        guard let response = json["Response"]?.object else {
            throw ProviderError(.bad_response, message: "response JSON has no \"Response\" object")
        }
        return response
    }
}
