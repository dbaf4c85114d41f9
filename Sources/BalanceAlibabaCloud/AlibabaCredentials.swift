import BalanceCore

/// One set of Alibaba Cloud credentials: an AccessKey pair, or temporary
/// STS credentials with their security token.
package struct AlibabaCredentials: SigningCredential, CustomStringConvertible {
    package var accessKeyId: String
    package var accessKeySecret: String
    /// The security token of temporary credentials (STS, ECS role): sent and
    /// signed as `x-acs-security-token`.
    package var securityToken: String?
    /// Unix seconds when temporary credentials expire; nil for permanent keys.
    package var expiresAt: Double?
    /// Where they came from, for messages (`account config`, `environment`, ...).
    package var source: String

    package init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil, expiresAt: Double? = nil,
                 source: String) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.expiresAt = expiresAt
        self.source = source
    }

    /// What must never appear in an error or a log line: the secret and the
    /// token (an upstream may quote back what it was sent, in any field).
    package var secrets: [String] { [accessKeySecret, securityToken].compactMap { $0 } }
    package var isTemporary: Bool { securityToken != nil }

    /// Never prints the secret or the token.
    package var description: String { "AlibabaCredentials(accessKeyId: \(accessKeyId), source: \(source))" }
}

/// A RAM role to assume with STS `AssumeRole`, as the STS SDK sends it
/// (https://github.com/aliyun/alibabacloud-python-sdk, `sts-20150401`).
package struct AlibabaRole: Sendable, Equatable {
    /// `acs:ram::<uid>:role/<name>`.
    package var arn: String
    package var sessionName: String
    /// 900 up to the role's maximum session duration (3600 unless raised).
    package var durationSeconds: Int

    package init(arn: String, sessionName: String, durationSeconds: Int) {
        self.arn = arn
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
    }
}

extension AlibabaCredentials: ExpiringCredential {
    /// Temporary credentials count as stale `AlibabaCloud.credentialsRefreshMargin`
    /// (15 minutes) before their `Expiration`, as the credentials SDKs treat them.
    package var lifetime: CredentialLifetime {
        CredentialLifetime(expiresAt: expiresAt, margin: AlibabaCloud.credentialsRefreshMargin)
    }
}
