import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The OpenAPI response envelope, pure: `{"ResponseMetadata": {"RequestId",
/// ...}, "Result": {...}}` on success, `{"ResponseMetadata": {..., "Error":
/// {"CodeN", "Code", "Message"}}}` on failure. As the official SDKs do, the
/// body is checked, not only the status: an `Error` fails even with HTTP
/// 200, and an answer without `ResponseMetadata` is no answer
/// (https://www.volcengine.com/docs/6369/68677).
enum VolcengineResponse {
    /// The `Result` object of a successful call and its request ID.
    struct Success {
        var result: [String: JSONValue]
        var requestID: String?
    }

    /// `read` applied to the `Result` of a 2xx answer. Any failure, the
    /// envelope's or `read`'s, leaves as a `ProviderError` carrying the
    /// answer's `Retry-After`, its message prefixed with `what`, and bounded:
    /// upstream texts quoted, scrubbed of `secrets`, then cut
    /// (`ProviderError.bounded(removing:)`).
    static func read<T>(_ response: HTTPResponse, now: Double, secrets: [String], what: String? = nil,
                        _ read: (Success) throws(ProviderError) -> T) throws(ProviderError) -> T {
        do throws(ProviderError) {
            return try read(result(status: response.status, body: response.body))
        } catch {
            var failure = error.retrying(after: response, now: now)
            if let what { failure.message = "\(what): \(failure.message)" }
            throw failure.bounded(removing: secrets)
        }
    }

    /// The `Result` of a 2xx answer, or the failure classified.
    static func result(status: Int, body: [UInt8]) throws(ProviderError) -> Success {
        let json = JSONValue.parse(body)
        let metadata = json?["ResponseMetadata"]?.object
        let requestID = metadata?["RequestId"]?.string
        if case .object(let error)? = metadata?["Error"], let code = error["Code"]?.string, !code.isEmpty {
            let message = error["Message"]?.string ?? ""
            throw ProviderError(VolcengineErrorCode.reason(for: code, status: status), code: code,
                                message: message.isEmpty ? code : message, requestID: requestID)
        }
        guard (200..<300).contains(status) else {
            throw ProviderError(.forHTTPStatus(status), message: "HTTP status \(status) without a Volcengine error body", requestID: requestID)
        }
        guard let json else {
            throw ProviderError(.bad_response, message: "response is not JSON (\(body.count) bytes, possibly truncated)")
        }
        guard let metadata else {
            throw ProviderError(.bad_response, message: "response JSON has no \"ResponseMetadata\" object")
        }
        if let error = metadata["Error"], error != .null {
            throw ProviderError(.bad_response, message: "response reports an error without a code", requestID: requestID)
        }
        guard let result = json["Result"]?.object else {
            throw ProviderError(.bad_response, message: "response JSON has no \"Result\" object", requestID: requestID)
        }
        return Success(result: result, requestID: requestID)
    }
}
