import BalanceCrypto
import BalanceSupport

/// The web configuration file of `--web.config.file`: exporter-toolkit's
/// format (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md),
/// so a file that `promtool check web-config` accepts works here unchanged.
/// Parsed from the YAML tree into a validated value, pure; files are not
/// read here (`files` lists them for the server, which loads and watches them).
///
/// As the toolkit (strict unmarshalling, then its checks): unknown keys are
/// errors; TLS is on when any of `cert_file`, `cert`, `key_file`, `key`,
/// `client_ca_file`, `client_ca` or `client_auth_type` is given, and then
/// needs a certificate and a key; a client CA needs a `client_auth_type`
/// that asks for certificates; `client_allowed_sans` needs one that requires
/// them; headers are the toolkit's five, with its allowed values; every
/// `basic_auth_users` value must be a bcrypt hash. Relative paths are
/// relative to the web configuration's directory. What Go honours and we
/// cannot the same way is accepted with a warning where harmless:
/// `http2` (we serve HTTP/1.1), `prefer_server_cipher_suites` (Go ignores
/// it since 1.17), `min_version` TLS10/TLS11 (raised to TLS12: OpenSSL's
/// default security level refuses the older versions); a TLS 1.3 name in
/// `cipher_suites` is accepted and ignored, as Go ignores it.
package struct WebConfig: Sendable, Equatable {
    /// Nil: plain HTTP.
    package var tls: TLSServerConfig?
    /// `http_server_config.headers`, in the file's order, for every response.
    package var headers: [WebConfigHeader] = []
    /// `basic_auth_users`; empty: no credentials asked for.
    package var users: [String: BcryptHash] = [:]
    /// What was accepted but is not honoured as Go would, one line each,
    /// naming where (`line 3, column 3: http_server_config.http2: ...`).
    package var warnings: [String] = []

    /// The files the configuration names (certificate, key, client CA), for
    /// the server to read and to watch for changes.
    package var files: [String] { tls?.files ?? [] }

    /// The configuration in `bytes`; relative paths are joined to
    /// `directory` (the web configuration file's own, `directory(of:)`).
    package static func parse(_ bytes: [UInt8], directory: String) throws(YAMLError) -> WebConfig {
        var reader = WebConfigReader(directory: directory)
        return try reader.read(YAMLDocument.parse(bytes))
    }

    /// The directory part of `path` (`.` for a bare file name), as Go's filepath.Dir.
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

package struct WebConfigHeader: Sendable, Equatable {
    package var name: String
    package var value: String
}

package struct TLSServerConfig: Sendable, Equatable {
    /// PEM from a file, or given inline (`cert`, `key`, `client_ca`).
    package enum PEM: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        case inline(String)

        /// A path, or only the size of inline PEM: `key` is a secret.
        package var description: String {
            switch self {
            case .file(let path): return path
            case .inline(let text): return "inline PEM (\(text.utf8.count) bytes)"
            }
        }
    }

    /// Go's tls.ClientAuthType, by the toolkit's names (https://pkg.go.dev/crypto/tls#ClientAuthType).
    package enum ClientAuth: String, Sendable, Equatable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        /// Whether the server asks the client for a certificate at all.
        package var requestsCertificate: Bool { self != .noClientCert }
        /// Whether a handshake without a certificate fails.
        package var requiresCertificate: Bool { self == .requireAnyClientCert || self == .requireAndVerifyClientCert }
        /// Whether a certificate that is sent is verified against the client CA.
        package var verifiesCertificate: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
    }

    /// The versions OpenSSL serves here.
    package enum ProtocolVersion: Int, Sendable, Equatable, Comparable {
        case tls12 = 0x0303
        case tls13 = 0x0304

        package static func < (a: ProtocolVersion, b: ProtocolVersion) -> Bool { a.rawValue < b.rawValue }
    }

    package var certificate: PEM
    package var key: PEM
    package var clientCA: PEM?
    package var clientAuth: ClientAuth = .noClientCert
    /// A client certificate must carry one of these as a DNS, IP, e-mail or
    /// URI subject alternative name, matched exactly; empty: no check.
    package var clientAllowedSANs: [String] = []
    package var minVersion: ProtocolVersion = .tls12
    package var maxVersion: ProtocolVersion = .tls13
    /// OpenSSL names of the TLS 1.2 suites (`SSL_CTX_set_cipher_list`), in
    /// the file's order; empty: OpenSSL's defaults.
    package var cipherSuites: [String] = []
    /// OpenSSL group names (`SSL_CTX_set1_groups_list`), in the file's order; empty: OpenSSL's defaults.
    package var curves: [String] = []

    package var files: [String] {
        [certificate, key, clientCA].compactMap { if case .file(let path)? = $0 { return path } else { return nil } }
    }

    /// Go's crypto/tls suite names that `tls.CipherSuites()` lists (what the
    /// toolkit accepts: https://pkg.go.dev/crypto/tls#CipherSuites), with
    /// OpenSSL's name for each (`openssl ciphers -stdname`); nil for the
    /// TLS 1.3 suites, which Go does not let a configuration choose.
    package static let cipherSuiteNames: [(go: String, openSSL: String?)] = [
        ("TLS_AES_128_GCM_SHA256", nil),
        ("TLS_AES_256_GCM_SHA384", nil),
        ("TLS_CHACHA20_POLY1305_SHA256", nil),
        ("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"),
        ("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"),
        ("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"),
        ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
        ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
        ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
    ]

    /// The toolkit's curve names (https://pkg.go.dev/crypto/tls#CurveID) and OpenSSL's group names.
    package static let curveNames: [(go: String, openSSL: String)] = [
        ("CurveP256", "P-256"), ("CurveP384", "P-384"), ("CurveP521", "P-521"), ("X25519", "X25519"),
    ]
}

/// Reads the YAML tree, key by key, into a `WebConfig`.
private struct WebConfigReader {
    var directory: String
    var config = WebConfig()

    /// The toolkit's header allow-list and the values it allows (empty: any),
    /// from https://github.com/prometheus/exporter-toolkit/blob/master/web/handler.go.
    static let headers: [(name: String, values: [String])] = [
        ("Strict-Transport-Security", []), ("X-Content-Type-Options", ["nosniff"]),
        ("X-Frame-Options", ["deny", "sameorigin"]), ("X-XSS-Protection", []), ("Content-Security-Policy", []),
    ]

    mutating func read(_ root: YAMLNode) throws(YAMLError) -> WebConfig {
        for member in try members(root, "", allowed: ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"]) {
            let key = member.key.text
            switch key {
            case "tls_server_config": try readTLS(member.value)
            case "http_server_config": try readHTTP(member.value)
            case "basic_auth_users": try readUsers(member.value)
            default:
                throw YAMLError(line: member.key.line, column: member.key.column, path: key,
                                message: "rate_limit is not supported by balance_exporter: remove it (limit requests in front of the exporter)")
            }
        }
        return config
    }

    /// A mapping's members, each key one of `allowed`.
    private func members(_ node: YAMLNode, _ path: String, allowed: Set<String>) throws(YAMLError) -> [YAMLMember] {
        let members = try node.members(path.isEmpty ? "web configuration" : path)
        for member in members where !allowed.contains(member.key.text) {
            throw YAMLError(line: member.key.line, column: member.key.column, path: join(path, member.key.text),
                            message: "unknown key (not in exporter-toolkit's web configuration: \(allowed.sorted().joined(separator: ", ")))")
        }
        return members
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private mutating func warn(_ node: YAMLNode, _ path: String, _ message: String) {
        config.warnings.append(YAMLError(line: node.line, column: node.column, path: path, message: message).description)
    }

    /// A path, joined to the configuration's directory unless absolute (Go's config_util.JoinDir).
    private func path(_ text: String) -> String {
        text.hasPrefix("/") ? text : (directory.hasSuffix("/") ? directory : directory + "/") + text
    }

    private func strings(_ node: YAMLNode, _ path: String) throws(YAMLError) -> [(YAMLNode, String)] {
        var values: [(YAMLNode, String)] = []
        for (index, entry) in try node.entries(path).enumerated() {
            values.append((entry, try entry.string("\(path)[\(index)]")))
        }
        return values
    }

    private mutating func readTLS(_ node: YAMLNode) throws(YAMLError) {
        let section = "tls_server_config"
        let members = try members(node, section, allowed: [
            "cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file", "client_allowed_sans",
            "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites", "curve_preferences",
        ])
        var text: [String: (node: YAMLNode, value: String)] = [:]
        var tls = TLSServerConfig(certificate: .inline(""), key: .inline(""))
        var allowedSANs: YAMLNode?
        var versionNodes: [String: YAMLNode] = [:]
        for member in members {
            let key = member.key.text
            let value = member.value
            let path = join(section, key)
            switch key {
            case "client_allowed_sans":
                tls.clientAllowedSANs = try strings(value, path).map(\.1)
                if !value.isNull { allowedSANs = value }
            case "cipher_suites":
                for (entry, name) in try strings(value, path) {
                    guard let suite = TLSServerConfig.cipherSuiteNames.first(where: { $0.go == name }) else {
                        throw entry.error(path, "unknown cipher suite \"\(name)\" (Go's names, as https://pkg.go.dev/crypto/tls#CipherSuites lists them)")
                    }
                    if let openSSL = suite.openSSL {
                        tls.cipherSuites.append(openSSL)
                    } else {
                        warn(entry, path, "\(name) is a TLS 1.3 suite, which is not configurable (as in Go): ignored")
                    }
                }
            case "curve_preferences":
                for (entry, name) in try strings(value, path) {
                    guard let curve = TLSServerConfig.curveNames.first(where: { $0.go == name }) else {
                        throw entry.error(path, "unknown curve \"\(name)\" (expected \(TLSServerConfig.curveNames.map(\.go).joined(separator: ", ")))")
                    }
                    tls.curves.append(curve.openSSL)
                }
            case "prefer_server_cipher_suites":
                if !value.isNull { _ = try value.bool(path) }
                warn(value, path, "ignored, as Go ignores it since 1.17 (the server's order is used)")
            case "min_version", "max_version":
                versionNodes[key] = value
            default:
                let string = try value.string(path)
                if !string.isEmpty { text[key] = (value, string) }
            }
        }
        if let (node, name) = text["client_auth_type"] {
            guard let auth = TLSServerConfig.ClientAuth(rawValue: name == "RequireClientCert" ? "RequireAnyClientCert" : name) else {
                throw node.error(join(section, "client_auth_type"),
                                 "expected one of \(TLSServerConfig.ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tls.clientAuth = auth
        }
        for (key, node) in versionNodes.sorted(by: { $0.key > $1.key }) {
            let path = join(section, key)
            let name = try node.string(path)
            switch name {
            case "", "TLS12": if key == "min_version" { tls.minVersion = .tls12 } else { tls.maxVersion = .tls12 }
            case "TLS13": if key == "min_version" { tls.minVersion = .tls13 } else { tls.maxVersion = .tls13 }
            case "TLS10", "TLS11":
                guard key == "min_version" else {
                    throw node.error(path, "\(name) cannot be served: OpenSSL here refuses TLS 1.0 and 1.1 (use TLS12 or TLS13)")
                }
                warn(node, path, "\(name) raised to TLS12: OpenSSL here refuses TLS 1.0 and 1.1")
            default:
                throw node.error(path, "unknown TLS version \"\(name)\" (expected TLS12 or TLS13; TLS10 and TLS11 only as min_version)")
            }
        }

        let enabling = ["cert_file", "cert", "key_file", "key", "client_ca_file", "client_ca", "client_auth_type"]
        guard let first = enabling.compactMap({ text[$0]?.node }).first else {
            if allowedSANs != nil || !tls.cipherSuites.isEmpty || !tls.curves.isEmpty || !versionNodes.isEmpty {
                // As the toolkit: TLS options without a certificate leave TLS off.
                warn(node, section, "no cert_file, key_file or client_auth_type: TLS is off and these settings do nothing")
            }
            return
        }
        func pem(_ fileKey: String, _ inlineKey: String) -> TLSServerConfig.PEM? {
            if let file = text[fileKey] {
                if text[inlineKey] != nil { warn(file.node, join(section, fileKey), "both \(fileKey) and \(inlineKey) given: \(fileKey) is used") }
                return .file(path(file.value))
            }
            return text[inlineKey].map { .inline($0.value) }
        }
        guard let certificate = pem("cert_file", "cert") else { throw first.error(section, "missing one of cert or cert_file") }
        guard let key = pem("key_file", "key") else { throw first.error(section, "missing one of key or key_file") }
        tls.certificate = certificate
        tls.key = key
        tls.clientCA = pem("client_ca_file", "client_ca")
        if tls.clientCA != nil, !tls.clientAuth.requestsCertificate {
            throw first.error(section, "a client CA is configured without a client_auth_type that asks for client certificates")
        }
        if let allowedSANs, !tls.clientAuth.requiresCertificate {
            throw allowedSANs.error(join(section, "client_allowed_sans"),
                                    "needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (else a client may send no certificate to match)")
        }
        if tls.minVersion > tls.maxVersion {
            throw first.error(section, "min_version is above max_version")
        }
        config.tls = tls
    }

    private mutating func readHTTP(_ node: YAMLNode) throws(YAMLError) {
        let section = "http_server_config"
        for member in try members(node, section, allowed: ["http2", "headers"]) {
            let path = join(section, member.key.text)
            if member.key.text == "http2" {
                if !member.value.isNull, try member.value.bool(path) {
                    warn(member.value, path, "HTTP/2 is not served: balance_exporter speaks HTTP/1.1 (Prometheus scrapes it either way)")
                }
                continue
            }
            for header in try member.value.members(path) {
                let name = header.key.text
                let headerPath = join(path, name)
                guard let allowed = Self.headers.first(where: { $0.name == name }) else {
                    throw YAMLError(line: header.key.line, column: header.key.column, path: headerPath,
                                    message: "HTTP header \"\(name)\" can not be configured (allowed: \(Self.headers.map(\.name).joined(separator: ", ")))")
                }
                let value = try header.value.string(headerPath)
                if !allowed.values.isEmpty, !allowed.values.contains(value) {
                    throw header.value.error(headerPath, "expected one of \(allowed.values.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(value)\"")
                }
                guard value.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }) else {
                    throw header.value.error(headerPath, "a header value cannot hold line breaks or control characters")
                }
                if !value.isEmpty { config.headers.append(WebConfigHeader(name: name, value: value)) }
            }
        }
    }

    private mutating func readUsers(_ node: YAMLNode) throws(YAMLError) {
        for member in try node.members("basic_auth_users") {
            let path = join("basic_auth_users", member.key.text)
            let hash = try member.value.string(path)
            do throws(BcryptError) {
                config.users[member.key.text] = try BcryptHash(hash)
            } catch {
                // The message says what is wrong with the hash, never the hash itself.
                throw member.value.error(path, "\(error)")
            }
        }
    }
}
