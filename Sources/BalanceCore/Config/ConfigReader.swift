import BalanceHTTP
import BalanceSupport

/// Reads typed values out of one JSON object of the configuration,
/// collecting a problem (location + key) for each wrong value instead of
/// stopping at the first.
struct Reader {
    var location: String
    var problems: [ConfigProblem]
    /// YAML: a number where a string is expected is read as its text
    /// (`uin: 123`, `secret_id: 12345`), as the YAML configurations of this
    /// ecosystem are written; JSON stays strict.
    var numbersAsText = false

    mutating func problem(_ key: String, _ message: String) {
        problems.append(ConfigProblem(location: location, key: key, message: message))
    }

    mutating func string(_ fields: [String: JSONValue], _ key: String, required: Bool = false) -> String? {
        switch fields[key] {
        case nil, .null?:
            if required { problem(key, "missing") }
            return nil
        case .string(let s)?:
            return s
        case .number(let number)? where numbersAsText:
            return number.spelling ?? number.literal
        case let other?:
            problem(key, "expected a string, got \(other.typeName)")
            return nil
        }
    }

    /// An account ID: a string, or a whole number written without quotes
    /// (kept digit for digit: JSONValue numbers are exact).
    mutating func identifier(_ fields: [String: JSONValue], _ key: String) -> String? {
        if let number = fields[key]?.number, number.spelling == nil, let digits = number.wholeNumberText, !digits.hasPrefix("-") {
            return digits
        }
        return string(fields, key)
    }

    mutating func bool(_ fields: [String: JSONValue], _ key: String) -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?:
            problem(key, "expected a boolean (true or false), got \(other.typeName)")
            return nil
        }
    }

    mutating func number(_ fields: [String: JSONValue], _ key: String, minimumExclusive: Double? = nil, integer: Bool = false) -> Double? {
        switch fields[key] {
        case nil, .null?: return nil
        case .number(let number)?:
            let n = number.double
            if integer && (n != n.rounded() || n > 1e9) {
                problem(key, "expected a whole number, got \(n)")
                return nil
            }
            if let minimum = minimumExclusive, !(n > minimum) {
                problem(key, "must be greater than \(Int(minimum)), got \(n)")
                return nil
            }
            return n
        case let other?:
            problem(key, "expected a number, got \(other.typeName)")
            return nil
        }
    }

    mutating func duration(_ fields: [String: JSONValue], _ key: String, minimum: Double) -> Double? {
        guard let text = string(fields, key) else { return nil }
        guard let seconds = PrometheusDuration.parse(text) else {
            problem(key, "invalid duration \"\(text)\" (examples: 500ms, 30s, 5m, 1h)")
            return nil
        }
        guard seconds >= minimum else {
            problem(key, "must be at least \(PrometheusDuration.format(minimum)), got \"\(text)\"")
            return nil
        }
        return seconds
    }

    /// `proxy_url` (or `_env`, `_file`) and `ca_file` of one level, over
    /// `inherited` (the top level's, for an account): a proxy URL is checked
    /// here, so a bad one is a problem naming its key, never its password.
    mutating func network(_ fields: [String: JSONValue], inherited: UpstreamNetwork, environment: [String: String],
                          warnings: inout [String]) -> UpstreamNetwork {
        var network = inherited
        let before = problems.count
        if case .string(let proxy)? = value(fields, ConfigLoader.proxyURLSpec, environment: environment, warnings: &warnings) {
            do throws(ProxyError) {
                network.proxy = try ProxySetting(account: proxy, topLevel: nil)
            } catch {
                let key = ["proxy_url", "proxy_url_env", "proxy_url_file"].first { fields[$0] != nil } ?? "proxy_url"
                problem(key, error.description)
            }
        }
        if let caFile = string(fields, "ca_file") {
            if caFile.isEmpty {
                network.caFile = nil
            } else {
                do throws(SecretFile.ReadError) {
                    _ = try SecretFile.read(caFile)
                    network.caFile = caFile
                } catch {
                    problem("ca_file", error.description)
                }
            }
        }
        return problems.count == before ? network : inherited
    }

    /// A provider-specific key. String keys may be given as `KEY` (the value),
    /// `KEY_env` (an environment variable's name) or `KEY_file` (a file whose
    /// trimmed content is the value): exactly one of them.
    mutating func value(_ fields: [String: JSONValue], _ spec: ConfigKeySpec, environment: [String: String],
                        warnings: inout [String]) -> ConfigValue? {
        let key = spec.name
        switch spec.kind {
        case .bool:
            if let b = bool(fields, key) { return .bool(b) }
        case .number:
            if let n = number(fields, key) { return .number(n) }
        case .duration:
            if let d = duration(fields, key, minimum: 0) { return .duration(d) }
        case .string:
            let forms = [key, key + "_env", key + "_file"].filter { fields[$0] != nil && fields[$0] != .null }
            if forms.count > 1 {
                problem(key, "given more than once (\(forms.joined(separator: " and "))): give exactly one of \(key), \(key)_env, \(key)_file")
                return nil
            }
            if let direct = string(fields, key) {
                return .string(direct)
            }
            if let variable = string(fields, key + "_env") {
                guard let value = environment[variable], !value.isEmpty else {
                    problem(key + "_env", "environment variable \(variable) is not set or empty")
                    return nil
                }
                return .string(value)
            }
            if let path = string(fields, key + "_file") {
                do {
                    let secret = try SecretFile.readSecret(path)
                    if secret.isEmpty {
                        problem(key + "_file", "file \"\(path)\" is empty")
                        return nil
                    }
                    if spec.secret, let warning = SecretFile.readableByOthersWarning(path) {
                        warnings.append("\(location): \(key)_file: secret file \(warning)")
                    }
                    return .string(secret)
                } catch {
                    problem(key + "_file", error.description)
                    return nil
                }
            }
            if spec.required && problems.allSatisfy({ $0.key?.hasPrefix(key) != true }) {
                problem(key, "missing (give \(key), \(key)_env or \(key)_file)")
            }
            return nil
        }
        if spec.required && fields[key] == nil { problem(key, "missing") }
        return nil
    }
}
