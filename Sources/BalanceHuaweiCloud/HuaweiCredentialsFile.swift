import BalanceCore
import BalanceSupport

/// The official SDK's credentials file (https://github.com/huaweicloud/huaweicloud-sdk-python-v3,
/// `core/auth/provider.py`, `ProfileCredentialProvider`): INI as Python's
/// `configparser` reads it, section `[global]` for global services such as
/// BSS, keys `ak`, `sk`, `security_token`, `domain_id`, `iam_endpoint`. Pure.
package enum HuaweiCredentialsFile {
    package static let section = "global"

    /// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `$HOME/.huaweicloud/credentials`: the SDK reads one file.
    package static func path(environment: [String: String]) -> String? {
        if let explicit = environment["HUAWEICLOUD_SDK_CREDENTIALS_FILE"], !explicit.isEmpty { return explicit }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home.hasSuffix("/") ? "\(home).huaweicloud/credentials" : "\(home)/.huaweicloud/credentials"
    }

    /// The `[global]` section's credentials, or nil if it lacks `ak` or `sk`.
    package static func profile(fromINI text: String, path: String) -> HuaweiProfile? {
        let keys = parseINI(text)[section] ?? [:]
        func value(_ key: String) -> String? { keys[key].flatMap { $0.isEmpty ? nil : $0 } }
        guard let ak = value("ak"), let sk = value("sk") else { return nil }
        return HuaweiProfile(
            credentials: HuaweiCredentials(accessKey: ak, secretKey: sk, securityToken: value("security_token"),
                                           source: "credentials file \(path)"),
            domainId: value("domain_id"), iamEndpoint: value("iam_endpoint"))
    }

    /// Sections → keys → values, as `configparser` reads them: `[name]`
    /// (case kept), `key = value` or `key: value` (the first `=` or `:`
    /// splits; the key lower-cased, both trimmed); lines starting with `#` or
    /// `;` are comments. Lines outside a section or without a delimiter are
    /// ignored, a repeated key takes the later value, and there are no
    /// continuation lines (configparser refuses the first two and would join
    /// an indented line to the value before; no credential needs either).
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast())
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let section = current, let split = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<split].trimmingWhitespace().lowercased()
            guard !key.isEmpty else { continue }
            sections[section, default: [:]][key] = line[line.index(after: split)...].trimmingWhitespace()
        }
        return sections
    }
}
