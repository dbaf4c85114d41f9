import BalanceCore
import BalanceSupport

/// The credential sources an account without keys reads, pure: the
/// environment and the credentials file, as the official credentials SDKs
/// read them (https://github.com/aliyun/credentials-go,
/// `credentials/providers/env.go` and `credentials/providers/profile.go`).
/// Reading the file is the caller's I/O; these take its text.
package enum AlibabaCredentialSources {
    package static let accessKeyIdVariable = "ALIBABA_CLOUD_ACCESS_KEY_ID"
    package static let accessKeySecretVariable = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
    package static let securityTokenVariable = "ALIBABA_CLOUD_SECURITY_TOKEN"
    package static let credentialsFileVariable = "ALIBABA_CLOUD_CREDENTIALS_FILE"
    package static let profileVariable = "ALIBABA_CLOUD_PROFILE"

    /// The environment's key pair (and token); nil when neither variable is
    /// set. Half a pair is an `.auth` error naming the missing variable.
    package static func environment(_ environment: [String: String]) throws(ProviderError) -> AlibabaCredentials? {
        let id = nonEmpty(environment[accessKeyIdVariable])
        let secret = nonEmpty(environment[accessKeySecretVariable])
        switch (id, secret) {
        case (nil, nil):
            return nil
        case (let id?, let secret?):
            return AlibabaCredentials(accessKeyId: id, accessKeySecret: secret,
                                      securityToken: nonEmpty(environment[securityTokenVariable]), source: "environment")
        case (nil, _):
            throw ProviderError(.auth, message: "\(accessKeySecretVariable) is set but \(accessKeyIdVariable) is not")
        case (_, nil):
            throw ProviderError(.auth, message: "\(accessKeyIdVariable) is set but \(accessKeySecretVariable) is not")
        }
    }

    /// Where the credentials file is looked for, in order:
    /// `ALIBABA_CLOUD_CREDENTIALS_FILE` alone when set, else
    /// `~/.alibabacloud/credentials` (Go SDK) and `~/.alibabacloud/credentials.ini`
    /// (Python SDK, https://github.com/aliyun/credentials-python `provider/profile.py`).
    package static func candidatePaths(environment: [String: String]) -> [String] {
        if let explicit = nonEmpty(environment[credentialsFileVariable]) { return [explicit] }
        guard let home = nonEmpty(environment["HOME"]) else { return [] }
        let directory = (home.hasSuffix("/") ? home : home + "/") + ".alibabacloud/"
        return [directory + "credentials", directory + "credentials.ini"]
    }

    /// The section the SDKs read: `ALIBABA_CLOUD_PROFILE`, else `default`.
    package static func profileName(environment: [String: String]) -> String {
        nonEmpty(environment[profileVariable]) ?? "default"
    }

    /// What one credentials-file section asks for.
    package enum Profile: Sendable, Equatable {
        /// `type = access_key`: `access_key_id`, `access_key_secret`.
        case accessKey(AlibabaCredentials)
        /// `type = ecs_ram_role`: the instance's role, `role_name` optional.
        case ecsRAMRole(roleName: String?)
        /// `type = ram_role_arn`: the key pair assumes `role_arn`
        /// (`role_session_name` optional).
        case ramRoleARN(base: AlibabaCredentials, roleARN: String, sessionName: String?)
    }

    /// The profile `name` of the INI `text` read from `path`; nil when the
    /// file has no such section. A section with another `type` or without
    /// the keys its type needs is an `.auth` error naming the file, the
    /// section and the key.
    package static func profile(fromINI text: String, path: String, name: String) throws(ProviderError) -> Profile? {
        guard let section = parseINI(text)[name] else { return nil }
        let place = "credentials file \(path), section [\(name)]"
        func value(_ key: String) throws(ProviderError) -> String {
            guard let value = nonEmpty(section[key]) else {
                throw ProviderError(.auth, message: "\(place): \(key) is missing")
            }
            return value
        }
        let type = section["type"] ?? ""
        switch type {
        case "access_key":
            return .accessKey(AlibabaCredentials(accessKeyId: try value("access_key_id"), accessKeySecret: try value("access_key_secret"),
                                                 source: place))
        case "ecs_ram_role":
            return .ecsRAMRole(roleName: nonEmpty(section["role_name"]))
        case "ram_role_arn":
            let base = AlibabaCredentials(accessKeyId: try value("access_key_id"), accessKeySecret: try value("access_key_secret"),
                                          source: place)
            return .ramRoleARN(base: base, roleARN: try value("role_arn"), sessionName: nonEmpty(section["role_session_name"]))
        default:
            throw ProviderError(.auth, message: "\(place): type \"\(UpstreamText.cap(UpstreamText.quote(type), 40))\" is not supported "
                                + "(access_key, ecs_ram_role or ram_role_arn)")
        }
    }

    /// Sections → keys → values. Lines `[name]` and `key = value`; lines
    /// starting with `#` or `;` are comments, and so is whatever follows a
    /// `#` in a value, as the SDKs read it; names and values trimmed, one
    /// pair of surrounding quotes removed; a later key wins. Lines outside a
    /// section or without `=` are ignored.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingWhitespace()
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace()
            var value = line[line.index(after: equals)...]
            if let hash = value.firstIndex(of: "#") { value = value[..<hash] }
            var trimmed = value.trimmingWhitespace()
            if trimmed.count >= 2, let first = trimmed.first, first == "\"" || first == "'", trimmed.last == first {
                trimmed = String(trimmed.dropFirst().dropLast())
            }
            sections[section, default: [:]][key] = trimmed
        }
        return sections
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
