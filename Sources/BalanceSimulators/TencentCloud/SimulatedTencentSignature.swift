import BalanceCrypto
import BalanceHTTP
import BalanceSupport

/// The simulators' own TC3 verification: it recomputes the signature from
/// the request as received (raw headers and body), independently of
/// `TC3Signer`'s code path, so a signer bug cannot hide behind itself.
package enum SimulatedTencentSignature {
    /// What a simulator knows about one secret ID.
    struct Secret: Sendable {
        var secretKey: String
        /// Temporary credentials must present this as `X-TC-Token`.
        var token: String?
        /// Unix seconds; at or after it the token is rejected.
        var expiresAt: Double?
    }

    struct Rejection: Error, Equatable {
        var code: String
        var message: String
    }

    /// Tencent accepts a timestamp within 5 minutes of its own clock.
    static let allowedSkew = 300.0

    /// The secret ID the request was signed with, or the rejection Tencent would send.
    static func verify(_ request: HTTPRequest, service: String, now: Double,
                       lookup: (String) -> Secret?) -> Result<String, Rejection> {
        guard let timestampText = request.headers["X-TC-Timestamp"], let timestamp = Int(timestampText) else {
            return .failure(Rejection(code: "MissingParameter", message: "The request is missing a required parameter `X-TC-Timestamp`."))
        }
        guard abs(Double(timestamp) - now) <= allowedSkew else {
            return .failure(Rejection(code: "AuthFailure.SignatureExpire",
                                      message: "Signature expired. Timestamp and server time cannot differ by more than 5 minutes."))
        }
        guard let authorization = request.headers["Authorization"], let auth = parse(authorization) else {
            return .failure(Rejection(code: "AuthFailure.InvalidAuthorization", message: "Authorization header is missing or malformed."))
        }
        guard let secret = lookup(auth.secretId) else {
            return .failure(Rejection(code: "AuthFailure.SecretIdNotFound", message: "The SecretId is not found."))
        }
        guard auth.signedHeaders.contains("content-type"), auth.signedHeaders.contains("host") else {
            return .failure(Rejection(code: "AuthFailure.InvalidAuthorization", message: "SignedHeaders must include content-type and host."))
        }
        var canonicalHeaders = ""
        for name in auth.signedHeaders {
            guard let value = request.headers[name] else {
                return .failure(Rejection(code: "AuthFailure.SignatureFailure", message: "Signed header \(name) is missing."))
            }
            canonicalHeaders += "\(name):\(value.trimmingASCIIWhitespace().lowercased())\n"
        }
        let canonicalRequest = "\(request.method)\n\(request.path)\n\(request.query ?? "")\n\(canonicalHeaders)\n"
            + "\(auth.signedHeaders.joined(separator: ";"))\n\(Hex.encode(SHA256.hash(request.body)))"
        let date = utcDate(timestamp)
        let stringToSign = "TC3-HMAC-SHA256\n\(timestamp)\n\(date)/\(service)/tc3_request\n\(Hex.encode(SHA256.hash(Array(canonicalRequest.utf8))))"
        var key = HMAC.sha256(key: Array("TC3\(secret.secretKey)".utf8), message: Array(date.utf8))
        key = HMAC.sha256(key: key, message: Array(service.utf8))
        key = HMAC.sha256(key: key, message: Array("tc3_request".utf8))
        let expected = Hex.encode(HMAC.sha256(key: key, message: Array(stringToSign.utf8)))
        guard auth.date == date, auth.service == service, auth.signature == expected else {
            return .failure(Rejection(code: "AuthFailure.SignatureFailure",
                                      message: "The provided credentials could not be validated. Please check your signature is correct."))
        }
        if let token = secret.token {
            let expired = secret.expiresAt.map { now >= $0 } ?? false
            guard request.headers["X-TC-Token"] == token, !expired else {
                return .failure(Rejection(code: "AuthFailure.TokenFailure", message: "Token verification failed or token expired."))
            }
        }
        return .success(auth.secretId)
    }

    package struct Authorization: Equatable {
        package var secretId: String
        var date: String
        var service: String
        var signedHeaders: [String]
        var signature: String
    }

    /// `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=a;b, Signature=<hex>`
    package static func parse(_ header: String) -> Authorization? {
        let prefix = "TC3-HMAC-SHA256 "
        guard header.hasPrefix(prefix) else { return nil }
        var parts: [String: String] = [:]
        for item in header.dropFirst(prefix.count).split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            parts[pair[0].trimmingASCIIWhitespace()] = pair[1].trimmingASCIIWhitespace()
        }
        guard let credential = parts["Credential"], let signed = parts["SignedHeaders"], let signature = parts["Signature"] else { return nil }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 4, scope[3] == "tc3_request" else { return nil }
        let names = signed.split(separator: ";").map { $0.lowercased() }
        guard names == names.sorted() else { return nil }
        return Authorization(secretId: scope[0], date: scope[1], service: scope[2], signedHeaders: names, signature: signature)
    }

    private static func utcDate(_ timestamp: Int) -> String {
        CivilTime.date(fromDays: CivilTime.floorDiv(timestamp, 86_400))
    }

    /// Tencent's error envelope, HTTP 200 as the real API answers.
    static func errorResponse(code: String, message: String, requestID: String) -> HTTPResponse {
        json(.object(["Response": .object([
            "Error": .object(["Code": .string(code), "Message": .string(message)]),
            "RequestId": .string(requestID),
        ])]))
    }

    static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        json(value.text, status: status)
    }

    static func json(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }
}
