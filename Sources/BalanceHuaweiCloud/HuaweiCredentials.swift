import BalanceCore
import BalanceSupport

/// One set of Huawei Cloud AK/SK credentials.
package struct HuaweiCredentials: Sendable, Equatable, CustomStringConvertible {
    package var accessKey: String
    package var secretKey: String
    /// The security token of temporary keys (ECS metadata, STS): sent, and
    /// signed, as `X-Security-Token`.
    package var securityToken: String?
    /// Unix seconds when temporary keys expire; nil for permanent keys.
    package var expiresAt: Double?
    /// Where they came from, for messages (`account config`, `environment`, ...).
    package var source: String

    package init(accessKey: String, secretKey: String, securityToken: String? = nil, expiresAt: Double? = nil,
                 source: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.securityToken = securityToken
        self.expiresAt = expiresAt
        self.source = source
    }

    /// Never prints the secret key or the token.
    package var description: String { "HuaweiCredentials(accessKey: \(accessKey), source: \(source))" }

    /// What must never appear in an error or a log line: an upstream may echo
    /// what it was sent (`APIGW.0301` quotes its canonical request, headers included).
    package var secrets: [String] { [secretKey, securityToken].compactMap { $0 } }
}

/// Credentials found outside the account's configuration, with the settings
/// the official SDK reads next to them.
package struct HuaweiProfile: SigningCredential {
    package var credentials: HuaweiCredentials
    package var secrets: [String] { credentials.secrets }
    package var source: String { credentials.source }
    package var isTemporary: Bool { credentials.securityToken != nil }
    /// The account id, for `X-Domain-Id` and the `uin` label.
    package var domainId: String?
    package var iamEndpoint: String?

    /// The official SDK's environment variables
    /// (https://github.com/huaweicloud/huaweicloud-sdk-python-v3, `core/auth/provider.py`,
    /// `EnvCredentialProvider`): nil unless both the AK and the SK are set.
    package static func environment(_ environment: [String: String]) -> HuaweiProfile? {
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let ak = value("HUAWEICLOUD_SDK_AK"), let sk = value("HUAWEICLOUD_SDK_SK") else { return nil }
        return HuaweiProfile(
            credentials: HuaweiCredentials(accessKey: ak, secretKey: sk, securityToken: value("HUAWEICLOUD_SDK_SECURITY_TOKEN"),
                                           source: "environment"),
            domainId: value("HUAWEICLOUD_SDK_DOMAIN_ID"), iamEndpoint: value("HUAWEICLOUD_SDK_IAM_ENDPOINT"))
    }
}
