import BalanceCore
import BalanceHTTP
import BalanceSupport

/// STS `AssumeRole` answer → temporary credentials, pure:
/// `Result.Credentials.{AccessKeyId, SecretAccessKey, SessionToken, ExpiredTime}`
/// (https://www.volcengine.com/docs/6257/86374), `ExpiredTime` in RFC 3339.
package enum VolcengineAssumeRole {
    /// The credentials, or the failure classified (the same envelope and
    /// codes as every OpenAPI call) and bounded, `secrets` (those of the
    /// base credentials that signed the call) scrubbed.
    package static func credentials(_ response: HTTPResponse, role: VolcengineRole, now: Double,
                                    secrets: [String]) throws(ProviderError) -> VolcengineCredentials {
        try VolcengineResponse.read(response, now: now, secrets: secrets, what: "STS AssumeRole") { success throws(ProviderError) in
            guard let object = success.result["Credentials"]?.object,
                  let credentials = VolcengineCredentials.temporary(object, source: "STS role \(role.trn)") else {
                throw ProviderError(.bad_response, message: "the AssumeRole response lacks Result.Credentials with AccessKeyId, "
                    + "SecretAccessKey, SessionToken and an RFC 3339 ExpiredTime", requestID: success.requestID)
            }
            return credentials
        }
    }
}
