import BalanceCore
import BalanceSupport

/// One set of Volcengine API credentials: an access key pair, and for
/// temporary credentials (STS, instance role) a session token and expiry.
package struct VolcengineCredentials: ExpiringCredential, SigningCredential, CustomStringConvertible {
    /// The official SDK renews STS credentials 60 s before `ExpiredTime`
    /// (https://github.com/volcengine/volcengine-python-sdk, `auth/providers/sts_provider.py`);
    /// 300 s, as for its ECS role credentials, leaves room for a clock that is off.
    package static let refreshMargin = 300.0

    package var accessKeyId: String
    package var secretAccessKey: String
    /// Sent and signed as `X-Security-Token`.
    package var sessionToken: String?
    /// Unix seconds when temporary credentials expire; nil when not known to expire.
    package var expiresAt: Double?
    /// Where they came from, for messages (`account config`, `environment`, ...).
    package var source: String

    package init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiresAt: Double? = nil,
                 source: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiresAt = expiresAt
        self.source = source
    }

    package var lifetime: CredentialLifetime { CredentialLifetime(expiresAt: expiresAt, margin: Self.refreshMargin) }

    /// Never prints the secret or the token.
    package var description: String { "VolcengineCredentials(accessKeyId: \(accessKeyId), source: \(source))" }

    /// What must never appear in an error, a log line or a metric.
    package var secrets: [String] { [secretAccessKey, sessionToken].compactMap { $0 } }
    package var isTemporary: Bool { sessionToken != nil }

    /// The official SDKs' environment variables: `VOLCENGINE_ACCESS_KEY`,
    /// `VOLCENGINE_SECRET_KEY` and optional `VOLCENGINE_SESSION_TOKEN`
    /// (volcengine-python-sdk, volcengine-go-sdk), else the older
    /// volc-sdk-python's `VOLC_ACCESSKEY` and `VOLC_SECRETKEY`
    /// (https://github.com/volcengine/volc-sdk-python). Only a complete pair
    /// counts; empty values are unset. Nil when neither pair is there.
    package static func fromEnvironment(_ environment: [String: String]) -> VolcengineCredentials? {
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        }
        if let id = value("VOLCENGINE_ACCESS_KEY"), let secret = value("VOLCENGINE_SECRET_KEY") {
            return VolcengineCredentials(accessKeyId: id, secretAccessKey: secret,
                                         sessionToken: value("VOLCENGINE_SESSION_TOKEN"), source: "environment")
        }
        if let id = value("VOLC_ACCESSKEY"), let secret = value("VOLC_SECRETKEY") {
            return VolcengineCredentials(accessKeyId: id, secretAccessKey: secret, source: "environment")
        }
        return nil
    }

    /// Temporary credentials as STS `Result.Credentials` and the ECS
    /// instance metadata service write them: `AccessKeyId`, `SecretAccessKey`,
    /// `SessionToken`, `ExpiredTime` (RFC 3339). Nil when a key, the token or
    /// a readable expiry is missing.
    static func temporary(_ object: [String: JSONValue], source: String) -> VolcengineCredentials? {
        guard let id = object["AccessKeyId"]?.string, !id.isEmpty,
              let secret = object["SecretAccessKey"]?.string, !secret.isEmpty,
              let token = object["SessionToken"]?.string, !token.isEmpty,
              let expiry = object["ExpiredTime"]?.string.flatMap(VolcengineTime.parseRFC3339) else { return nil }
        return VolcengineCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token, expiresAt: expiry, source: source)
    }
}
