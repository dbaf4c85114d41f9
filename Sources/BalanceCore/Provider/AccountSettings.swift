import BalanceHTTP
import BalanceSupport

/// What every provider's settings type is built with: reads one account's
/// resolved values and collects every problem, each in the one location
/// format (`accounts[N] "name": key: message`), so that a provider's
/// `Settings.init(account:defaultTimeout:)` reports all of its account's
/// problems at once and then throws them together (`finish()`). Pure.
package struct AccountSettings {
    package let account: AccountConfig
    package private(set) var problems: [ConfigProblem] = []

    package init(_ account: AccountConfig) {
        self.account = account
    }

    package mutating func problem(_ key: String?, _ message: String) {
        problems.append(ConfigProblem(location: account.location, key: key, message: message))
    }

    /// The key's value with surrounding ASCII whitespace removed; nil when
    /// absent or empty.
    package func text(_ key: String) -> String? {
        account.string(key).map { $0.trimmingASCIIWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Like `text`, but an absent or empty value is a problem.
    package mutating func required(_ key: String) -> String? {
        guard let value = text(key) else {
            problem(key, "required, must not be empty")
            return nil
        }
        return value
    }

    /// An `http`/`https` URL with a host: the key's value (or `fallback`
    /// when the key is absent); nil, with a problem, when it is not one.
    /// The key `endpoint` reads the account's endpoint.
    package mutating func url(_ key: String, default fallback: String? = nil) -> HTTPURL? {
        guard let text = key == "endpoint" ? account.endpoint : (self.text(key) ?? fallback) else { return nil }
        guard let url = HTTPURL(string: text) else {
            problem(key, "not an http:// or https:// URL with a host: \(text)")
            return nil
        }
        return url
    }

    /// `request_timeout`, or the context's default: a positive, finite duration.
    package mutating func requestTimeout(default fallback: Double) -> Double {
        let timeout = account.duration("request_timeout") ?? fallback
        if !(timeout > 0 && timeout.isFinite) { problem("request_timeout", "must be a positive duration") }
        return timeout
    }

    /// A text sent in an HTTP header: no control characters (no CR/LF header injection).
    package mutating func headerText(_ key: String, default fallback: String) -> String {
        headerText(key, value: text(key) ?? fallback)
    }

    /// `headerText(_:default:)` for a key without a default: nil when not set.
    package mutating func headerText(_ key: String) -> String? {
        text(key).map { headerText(key, value: $0) }
    }

    private mutating func headerText(_ key: String, value: String) -> String {
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            problem(key, "must not contain control characters")
        }
        return value
    }

    /// Throws every problem found, if any.
    package func finish() throws(ConfigProblems) {
        if !problems.isEmpty { throw ConfigProblems(problems) }
    }
}
