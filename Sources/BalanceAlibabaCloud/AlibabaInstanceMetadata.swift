import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The ECS instance RAM role's temporary credentials from the metadata
/// service, as the credentials SDKs fetch them
/// (https://github.com/aliyun/credentials-python, `provider/ecs_ram_role.py`):
/// 1. `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds`:
///    the body is a session token (IMDSv2; without one the SDKs fall back to
///    plain requests unless `ALIBABA_CLOUD_IMDSV1_DISABLED=true`);
/// 2. `GET /latest/meta-data/ram/security-credentials/` names the role
///    (unless `ALIBABA_CLOUD_ECS_METADATA` does);
/// 3. `GET .../security-credentials/<role>`: JSON with `Code` (`Success`),
///    `AccessKeyId`, `AccessKeySecret`, `SecurityToken`, `Expiration`.
/// Requests and answers here, pure; each answer's parser throws a bounded
/// `ProviderError`.
package enum AlibabaInstanceMetadata {
    static let credentialsPath = "/latest/meta-data/ram/security-credentials/"
    static let tokenPath = "/latest/api/token"
    /// The session token's lifetime the SDKs ask for, in seconds.
    package static let tokenTTLSeconds = 21600
    static let tokenHeader = "X-aliyun-ecs-metadata-token"
    /// RAM role names: letters, digits, `.`, `@`, `-`, `_`, at most 64.
    static let roleNameBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@-_".utf8)

    // MARK: Requests

    package static func tokenRequest(base: HTTPURL) -> UpstreamCall {
        UpstreamCall(method: "PUT", url: url(base, tokenPath),
                     headers: [("X-aliyun-ecs-metadata-token-ttl-seconds", String(tokenTTLSeconds))])
    }

    package static func roleNameRequest(base: HTTPURL, token: String?) -> UpstreamCall {
        UpstreamCall(method: "GET", url: url(base, credentialsPath), headers: tokenHeaders(token))
    }

    /// `role` must be a valid role name (`roleName(_:)` checked it).
    package static func credentialsRequest(base: HTTPURL, role: String, token: String?) -> UpstreamCall {
        UpstreamCall(method: "GET", url: url(base, credentialsPath + role), headers: tokenHeaders(token))
    }

    private static func url(_ base: HTTPURL, _ path: String) -> HTTPURL {
        var url = base
        url.path = (base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path) + path
        url.query = nil
        return url
    }

    private static func tokenHeaders(_ token: String?) -> HTTPHeaders {
        token.map { [(tokenHeader, $0)] } ?? []
    }

    // MARK: Answers

    /// The session token: printable ASCII without spaces (it goes into a header).
    package static func token(_ response: HTTPResponse) throws(ProviderError) -> String {
        let token = try text(response, what: "ECS metadata token").trimmingWhitespace()
        guard !token.isEmpty, token.utf8.count <= 4096, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ProviderError(.bad_response, message: "ECS metadata token is not a printable token")
        }
        return token
    }

    /// The role attached to the instance: the first line of the listing.
    package static func roleName(_ response: HTTPResponse) throws(ProviderError) -> String {
        let listing = try text(response, what: "ECS metadata role listing")
        let role = (listing.split(whereSeparator: \.isNewline).first.map(String.init) ?? "").trimmingWhitespace()
        guard isRoleName(role) else {
            throw ProviderError(.auth, message: "the ECS metadata service names no RAM role (is one attached to the instance?)")
        }
        return role
    }

    package static func isRoleName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy(roleNameBytes.contains)
    }

    /// The role's credentials; `Code` other than `Success` is `.auth`.
    package static func credentials(_ response: HTTPResponse, role: String) throws(ProviderError) -> AlibabaCredentials {
        let what = "ECS RAM role \(role) credentials"
        let body = try text(response, what: what)
        guard let json = JSONValue.parse(Array(body.utf8))?.object else {
            throw ProviderError(.bad_response, message: "\(what) are not a JSON object")
        }
        var secrets = ["AccessKeySecret", "SecurityToken"].compactMap { json[$0]?.string }
        secrets.removeAll(where: \.isEmpty)
        if let code = json["Code"].flatMap(AlibabaResponse.text), code != "Success" {
            throw ProviderError(.auth, code: code, message: "\(what) not issued: \(json["Message"]?.string ?? code)").bounded(removing: secrets)
        }
        guard let credentials = AlibabaSTS.temporaryCredentials(json, source: "ECS RAM role \(role)") else {
            throw ProviderError(.bad_response, message: "\(what) lack AccessKeyId, AccessKeySecret, SecurityToken or a readable Expiration")
        }
        return credentials
    }

    private static func text(_ response: HTTPResponse, what: String) throws(ProviderError) -> String {
        guard (200..<300).contains(response.status) else {
            let hint = response.status == 404 ? " (no RAM role attached to the instance?)" : ""
            throw ProviderError(.forHTTPStatus(response.status), message: "\(what): HTTP status \(response.status)\(hint)")
        }
        return String(decoding: response.body, as: UTF8.self)
    }
}
