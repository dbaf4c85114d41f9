import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The answers of STS (version 2015-04-01), pure: `GetCallerIdentity`
/// (the `uin`) and `AssumeRole` (temporary credentials). Errors come bounded
/// and with the answer's retry delay, as from `AlibabaResponse`.
package enum AlibabaSTS {
    /// Who signed a request, per `GetCallerIdentity`
    /// (https://help.aliyun.com/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity).
    package struct Identity: Sendable, Equatable {
        /// The main account's UID, a string of digits: the `uin` label.
        package var accountID: String
        /// `Account`, `RAMUser` or `AssumedRoleUser`.
        package var identityType: String?
        package var arn: String?
        package var requestID: String?
    }

    package static func identity(_ response: HTTPResponse, now: Double,
                                 removing secrets: [String]) throws(ProviderError) -> Identity {
        let what = AlibabaAPI.getCallerIdentity.action
        let json = try AlibabaResponse.object(response, what: what, now: now, removing: secrets)
        let requestID = json["RequestId"].flatMap(AlibabaResponse.text)
        // Documented as a string; a number keeps its digits. Quoted: it becomes a label value.
        let accountID = json["AccountId"].flatMap { value -> String? in
            switch value {
            case .string(let s): return UpstreamText.quote(s.trimmingWhitespace())
            case .number(let n): return n.wholeNumberText
            default: return nil
            }
        }
        guard let accountID, !accountID.isEmpty else {
            throw AlibabaResponse.finished(ProviderError(.bad_response, message: "\(what): the answer has no AccountId",
                                                         requestID: requestID),
                                           response: response, now: now, removing: secrets)
        }
        return Identity(accountID: accountID, identityType: json["IdentityType"]?.string, arn: json["Arn"]?.string,
                        requestID: requestID)
    }

    /// `Credentials.{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}` of an `AssumeRole` answer.
    package static func assumedRole(_ response: HTTPResponse, role: AlibabaRole, now: Double,
                                    removing secrets: [String]) throws(ProviderError) -> AlibabaCredentials {
        let what = AlibabaAPI.assumeRole.action
        let json = try AlibabaResponse.object(response, what: what, now: now, removing: secrets)
        guard let credentials = json["Credentials"]?.object,
              let found = temporaryCredentials(credentials, source: "STS role \(role.arn)") else {
            throw AlibabaResponse.finished(
                ProviderError(.bad_response, message: "\(what): the answer lacks Credentials.AccessKeyId, AccessKeySecret, "
                              + "SecurityToken or a readable Expiration", requestID: json["RequestId"].flatMap(AlibabaResponse.text)),
                response: response, now: now, removing: secrets)
        }
        return found
    }

    /// `AccessKeyId`, `AccessKeySecret`, `SecurityToken` and `Expiration`
    /// (`yyyy-MM-ddTHH:mm:ssZ`, UTC) of an STS or ECS-role answer; nil when
    /// one is missing or empty.
    static func temporaryCredentials(_ json: [String: JSONValue], source: String) -> AlibabaCredentials? {
        guard let id = json["AccessKeyId"]?.string, !id.isEmpty,
              let secret = json["AccessKeySecret"]?.string, !secret.isEmpty,
              let token = json["SecurityToken"]?.string, !token.isEmpty,
              let expiration = json["Expiration"]?.string, let expiresAt = AlibabaTime.seconds(expiration) else { return nil }
        return AlibabaCredentials(accessKeyId: id, accessKeySecret: secret, securityToken: token, expiresAt: expiresAt, source: source)
    }
}
