import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The Tencent Cloud SDKs' credentials file: an INI file, section
/// `[default]`, keys `secret_id` and `secret_key` (as the official SDKs' `ProfileCredential` reads it, e.g.
/// https://github.com/TencentCloud/tencentcloud-sdk-nodejs-common/blob/master/src/common/credential.ts).
enum TencentCredentialsProfile {
    /// Where the SDKs look, in order: `TENCENTCLOUD_CREDENTIALS_FILE`, then
    /// `$HOME/.tencentcloud/credentials`, then `/etc/tencentcloud/credentials`.
    static func candidatePaths(environment: [String: String]) -> [String] {
        var paths: [String] = []
        if let explicit = environment["TENCENTCLOUD_CREDENTIALS_FILE"], !explicit.isEmpty { paths.append(explicit) }
        if let home = environment["HOME"], !home.isEmpty {
            paths.append(home.hasSuffix("/") ? "\(home).tencentcloud/credentials" : "\(home)/.tencentcloud/credentials")
        }
        paths.append("/etc/tencentcloud/credentials")
        return paths
    }

    /// Credentials of the `[default]` section, or nil if it lacks either key.
    static func credentials(fromINI text: String, path: String) -> TencentCredentials? {
        let section = parseINI(text)["default"] ?? [:]
        guard let id = section["secret_id"], !id.isEmpty, let key = section["secret_key"], !key.isEmpty else { return nil }
        let token = section["token"].flatMap { $0.isEmpty ? nil : $0 }
        return TencentCredentials(secretId: id, secretKey: key, token: token, source: "profile file \(path)")
    }

    /// Sections → keys → values. Lines `[name]`, `key = value`; `#` and `;`
    /// start comment lines; names and values are trimmed; later keys win.
    /// Lines outside any section or without `=` are ignored.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingASCIIWhitespace()
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingASCIIWhitespace()
            var value = line[line.index(after: equals)...].trimmingASCIIWhitespace()
            if value.count >= 2, (value.hasPrefix("\"") && value.hasSuffix("\"")) || (value.hasPrefix("'") && value.hasSuffix("'")) {
                value = String(value.dropFirst().dropLast())
            }
            sections[section, default: [:]][key] = value
        }
        return sections
    }
}
