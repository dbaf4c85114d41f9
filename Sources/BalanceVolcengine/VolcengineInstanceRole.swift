import BalanceCore
import BalanceSupport

/// The ECS instance metadata service's answer for an instance role's
/// credentials, pure: a bare JSON object `{AccessKeyId, SecretAccessKey,
/// SessionToken, ExpiredTime}` (volcengine-python-sdk
/// `volcenginesdkcore/auth/providers/ecs_role_provider.py`, IMDSv2 at
/// `http://100.96.0.96`, path `/volcstack/latest/iam/security_credentials/<role>`
/// with the `X-volc-ecs-metadata-token` header).
package enum VolcengineInstanceRole {
    package static func credentials(status: Int, body: [UInt8], role: String) throws(ProviderError) -> VolcengineCredentials {
        guard (200..<300).contains(status) else {
            throw ProviderError(.forHTTPStatus(status), message: "ECS metadata service answered HTTP \(status)")
        }
        guard let object = JSONValue.parse(body)?.object else {
            throw ProviderError(.bad_response, message: "ECS role credentials are not a JSON object")
        }
        guard let credentials = VolcengineCredentials.temporary(object, source: "ECS role \(UpstreamText.cap(UpstreamText.quote(role), 128))") else {
            throw ProviderError(.bad_response, message: "ECS role credentials lack AccessKeyId, SecretAccessKey, SessionToken "
                + "or an RFC 3339 ExpiredTime")
        }
        return credentials
    }
}
