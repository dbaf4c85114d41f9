import BalanceHTTP
import BalanceSupport

/// The simulator's answers as the Volcengine OpenAPI gateway writes them
/// (https://www.volcengine.com/docs/6369/68677): the `ResponseMetadata`
/// envelope, the platform's error codes with their `CodeN` and HTTP status.
enum VolcengineSimulatorWire {
    struct PlatformError {
        var codeN: Int?
        var status: Int
        var message: String
    }

    /// The codes the simulator answers with, as the common error code tables list them.
    static let platformErrors: [String: PlatformError] = [
        "MissingParameter": .init(codeN: 100002, status: 400, message: "The request is missing a required parameter."),
        "MissingAuthenticationToken": .init(codeN: 100003, status: 401, message: "The request is missing an Authorization header."),
        "MissingRequestInfo": .init(codeN: 100004, status: 400, message: "The request is missing X-Date."),
        "InvalidTimestamp": .init(codeN: 100006, status: 400, message: "The Signature of the request is expired."),
        "InvalidActionOrVersion": .init(codeN: 100008, status: 404, message: "The action or version is invalid."),
        "InvalidAccessKey": .init(codeN: 100009, status: 401, message: "The accesskey included in the request is invalid."),
        "SignatureDoesNotMatch": .init(codeN: 100010, status: 401, message: "The request signature we calculated does not match the "
            + "signature you provided. Check your Secret Access Key and signing method. Consult the service documentation for details."),
        "AccessDenied": .init(codeN: 100013, status: 403, message: "User is not authorized to perform this action."),
        "FlowLimitExceeded": .init(codeN: 100018, status: 429, message: "请求过于频繁,超出了基本限速"),
        "InvalidSecretToken": .init(codeN: 100026, status: 401, message: "Invalid secret token, msg: the token is invalid or expired."),
        "InvalidAuthorization": .init(codeN: nil, status: 400, message: "The Authorization header is malformed."),
        "InternalError": .init(codeN: 100014, status: 500, message: "The request has failed due to an unknown error."),
        "RecordNoFound": .init(codeN: nil, status: 400, message: "The Record No Found."),
        "InvalidParameter": .init(codeN: nil, status: 400, message: "The parameter is invalid"),
    ]

    /// The `ResponseMetadata` of one answer, and the answers that carry it.
    struct Reply {
        var requestID: String
        var action: String
        var version: String
        /// Known once the action is.
        var service = ""
        /// Known once the signature is: its credential scope's.
        var region = "cn-beijing"

        /// The error envelope for `code`, with its documented status (or `status`) and `CodeN`.
        func error(_ code: String, message: String? = nil, status: Int? = nil,
                   headers: HTTPHeaders = []) -> HTTPResponse {
            let known = platformErrors[code]
            var error: [String: JSONValue] = ["Code": .string(code), "Message": .string(message ?? known?.message ?? code)]
            if let codeN = known?.codeN { error["CodeN"] = .number(.int(Int64(codeN))) }
            return json(JSONValue.object(["ResponseMetadata": metadata(error: .object(error))]).text,
                        status: status ?? known?.status ?? 400, headers: headers)
        }

        /// A success: `ResponseMetadata` and `Result` (JSON text, written verbatim).
        func success(_ resultJSON: String) -> HTTPResponse {
            json(JSONValue.objectText([("ResponseMetadata", metadata(error: nil).text), ("Result", resultJSON)]))
        }

        private func metadata(error: JSONValue?) -> JSONValue {
            var members: [String: JSONValue] = ["RequestId": .string(requestID), "Action": .string(action),
                                                "Version": .string(version), "Service": .string(service), "Region": .string(region)]
            members["Error"] = error
            return .object(members)
        }
    }

    static func json(_ text: String, status: Int = 200, headers: HTTPHeaders = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: Array(text.utf8))
    }

    /// A gateway's own page, not the API's JSON.
    static func html(_ status: Int) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html")],
                     body: Array("<html><head><title>\(status)</title></head><body><center>\(status)</center><hr>gateway</body></html>".utf8))
    }

    /// RFC 3339 in Beijing time, as STS writes `ExpiredTime`: `2026-01-02T11:04:05+08:00`.
    static func rfc3339Beijing(_ timestamp: Int) -> String {
        let local = timestamp + 8 * 3600
        let days = CivilTime.floorDiv(local, 86_400)
        return "\(CivilTime.date(fromDays: days))T\(CivilTime.time(secondOfDay: local - days * 86_400))+08:00"
    }
}
