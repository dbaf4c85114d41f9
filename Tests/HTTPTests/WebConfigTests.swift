import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSupport

/// The web configuration file against exporter-toolkit's rules: every
/// fixture is also given to `promtool check web-config` (Debian's 2.42),
/// which must agree that it is valid or invalid. Certificates are made at
/// test time with `openssl`; `client_allowed_sans`, newer than that
/// promtool, is tested without it.
final class WebConfigTests: XCTestCase {
    private var certificates: TLSTestCertificates!
    private var directory: String { certificates.directory.path }

    override func setUpWithError() throws {
        try requireTools(executables: ["openssl", "promtool", "htpasswd"])
        certificates = try TLSTestCertificates.generate()
    }

    override func tearDown() {
        certificates?.remove()
    }

    private func hash(_ password: String, cost: Int = 4) throws -> String {
        let result = try runScript(["htpasswd", "-nbBC", String(cost), "u", password], timeout: 30)
        XCTAssertEqual(result.status, 0, result.output)
        return String(result.output.split(separator: "\n").first?.dropFirst(2) ?? "")
    }

    /// Writes `yaml` into the certificates' directory; returns promtool's verdict and the path.
    private func promtool(_ yaml: String, name: String = "web.yml") throws -> (accepted: Bool, output: String, path: String) {
        let path = directory + "/" + name
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runScript(["promtool", "check", "web-config", path], timeout: 60)
        return (result.status == 0, result.output, path)
    }

    /// A file promtool accepts, read by us.
    private func accepted(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) throws -> WebConfig {
        let check = try promtool(yaml)
        XCTAssertTrue(check.accepted, "promtool refused: \(check.output)", file: file, line: line)
        return try WebConfig.parse(Array(yaml.utf8), directory: WebConfig.directory(of: check.path))
    }

    /// A file promtool refuses, and our error for it.
    private func refused(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let check = try promtool(yaml)
        XCTAssertFalse(check.accepted, "promtool accepted: \(yaml)", file: file, line: line)
        do {
            let config = try WebConfig.parse(Array(yaml.utf8), directory: directory)
            XCTFail("accepted: \(config)", file: file, line: line)
            return ""
        } catch {
            return error.description
        }
    }

    func testTheToolkitSampleShape() throws {
        let alice = try hash("alice's password")
        let config = try accepted("""
            # TLS and basic authentication, as exporter-toolkit's docs/web-config.yml.
            tls_server_config:
              cert_file: localhost.pem
              key_file: localhost.key

            basic_auth_users:
              alice: \(alice)
              bob: '\(try hash("bob"))'
            """)
        let tls = try XCTUnwrap(config.tls)
        // Relative to the web configuration's directory, as the toolkit joins them.
        XCTAssertEqual(tls.certificate, .file(directory + "/localhost.pem"))
        XCTAssertEqual(tls.key, .file(directory + "/localhost.key"))
        XCTAssertEqual(config.files, [directory + "/localhost.pem", directory + "/localhost.key"])
        XCTAssertEqual(tls.clientAuth, .noClientCert)
        XCTAssertEqual([tls.minVersion, tls.maxVersion], [.tls12, .tls13])
        XCTAssertEqual(config.users.keys.sorted(), ["alice", "bob"])
        XCTAssertEqual(config.users["alice"]?.verify(Array("alice's password".utf8)), true)
        XCTAssertEqual(config.warnings, [])
    }

    func testEveryTLSAndHTTPKey() throws {
        let config = try accepted("""
            tls_server_config:
              cert_file: \(certificates.localhost.0)
              key_file: localhost.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.pem
              min_version: TLS12
              max_version: TLS13
              cipher_suites:
                - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
                - TLS_AES_128_GCM_SHA256
                - TLS_RSA_WITH_AES_128_CBC_SHA
              prefer_server_cipher_suites: true
              curve_preferences: [X25519, CurveP256, CurveP384, CurveP521]
            http_server_config:
              http2: true
              headers:
                Strict-Transport-Security: max-age=31536000
                X-Content-Type-Options: nosniff
                X-Frame-Options: sameorigin
                X-XSS-Protection: 1; mode=block
                Content-Security-Policy: "default-src 'self'"
            """)
        let tls = try XCTUnwrap(config.tls)
        XCTAssertEqual(tls.certificate, .file(certificates.localhost.0), "an absolute path stays")
        XCTAssertEqual(tls.clientCA, .file(directory + "/ca.pem"))
        XCTAssertEqual(tls.clientAuth, .requireAndVerifyClientCert)
        XCTAssertEqual(tls.cipherSuites, ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305", "AES128-SHA"])
        XCTAssertEqual(tls.curves, ["X25519", "P-256", "P-384", "P-521"])
        XCTAssertEqual(config.headers.map(\.name), ["Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
                                                    "X-XSS-Protection", "Content-Security-Policy"])
        XCTAssertEqual(config.headers.last?.value, "default-src 'self'")
        XCTAssertEqual(config.warnings, [
            "line 11, column 7: tls_server_config.cipher_suites: TLS_AES_128_GCM_SHA256 is a TLS 1.3 suite, which is not configurable (as in Go): ignored",
            "line 13, column 32: tls_server_config.prefer_server_cipher_suites: ignored, as Go ignores it since 1.17 (the server's order is used)",
            "line 16, column 10: http_server_config.http2: HTTP/2 is not served: balance_exporter speaks HTTP/1.1 (Prometheus scrapes it either way)",
        ])
    }

    func testClientAuthTypesInlinePEMAndOldVersions() throws {
        for auth in TLSServerConfig.ClientAuth.allCases {
            let config = try accepted("""
                tls_server_config:
                  cert_file: localhost.pem
                  key_file: localhost.key
                  client_auth_type: \(auth.rawValue)
                """)
            XCTAssertEqual(config.tls?.clientAuth, auth)
        }
        // The toolkit's older name for RequireAnyClientCert.
        XCTAssertEqual(try accepted("tls_server_config: {cert_file: localhost.pem, key_file: localhost.key, client_auth_type: RequireClientCert}").tls?.clientAuth,
                       .requireAnyClientCert)

        let certificate = try String(contentsOfFile: certificates.localhost.0, encoding: .utf8)
        let key = try String(contentsOfFile: certificates.localhost.1, encoding: .utf8)
        let indent = { (pem: String) in pem.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") }
        // Inline PEM is newer than promtool 2.42.
        let inline = try WebConfig.parse(Array("tls_server_config:\n  cert: |\n\(indent(certificate))\n  key: |\n\(indent(key))\n".utf8),
                                         directory: directory)
        XCTAssertEqual(inline.tls?.certificate, .inline(certificate))
        XCTAssertEqual(inline.files, [])
        // The key never shows in a description.
        XCTAssertFalse("\(inline)".contains("PRIVATE KEY"))
        XCTAssertFalse("\(inline)".contains(key.split(separator: "\n")[1]))

        let old = try accepted("tls_server_config:\n  cert_file: localhost.pem\n  key_file: localhost.key\n  min_version: TLS10\n")
        XCTAssertEqual(old.tls?.minVersion, .tls12)
        XCTAssertEqual(old.warnings, ["line 4, column 16: tls_server_config.min_version: TLS10 raised to TLS12: OpenSSL here refuses TLS 1.0 and 1.1"])
        XCTAssertNil(try accepted("basic_auth_users:\n  u: \(try hash("p"))\n").tls, "users only: plain HTTP")
        XCTAssertEqual(try accepted("").tls, nil)
    }

    func testWhatTheToolkitRefusesIsRefused() throws {
        let base = "tls_server_config:\n  cert_file: localhost.pem\n  key_file: localhost.key\n"
        let cases: [(String, String)] = [
            ("tls_config:\n  cert_file: x\n",
             "line 1, column 1: tls_config: unknown key (not in exporter-toolkit's web configuration: basic_auth_users, http_server_config, rate_limit, tls_server_config)"),
            (base + "  cert_path: x\n",
             "line 4, column 3: tls_server_config.cert_path: unknown key (not in exporter-toolkit's web configuration: cert, cert_file, cipher_suites, client_allowed_sans, client_auth_type, client_ca, client_ca_file, curve_preferences, key, key_file, max_version, min_version, prefer_server_cipher_suites)"),
            ("tls_server_config:\n  cert_file: localhost.pem\n", "line 2, column 14: tls_server_config: missing one of key or key_file"),
            ("tls_server_config:\n  key_file: localhost.key\n", "line 2, column 13: tls_server_config: missing one of cert or cert_file"),
            (base + "  client_auth_type: RequireClientCertificate\n",
             "line 4, column 21: tls_server_config.client_auth_type: expected one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"),
            (base + "  client_ca_file: ca.pem\n",
             "line 2, column 14: tls_server_config: a client CA is configured without a client_auth_type that asks for client certificates"),
            (base + "  min_version: TLS14\n",
             "line 4, column 16: tls_server_config.min_version: unknown TLS version \"TLS14\" (expected TLS12 or TLS13; TLS10 and TLS11 only as min_version)"),
            (base + "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
             "line 4, column 19: tls_server_config.cipher_suites: unknown cipher suite \"TLS_RSA_WITH_RC4_128_SHA\" (Go's names, as https://pkg.go.dev/crypto/tls#CipherSuites lists them)"),
            (base + "  curve_preferences: [secp256k1]\n",
             "line 4, column 23: tls_server_config.curve_preferences: unknown curve \"secp256k1\" (expected CurveP256, CurveP384, CurveP521, X25519)"),
            ("http_server_config:\n  headers:\n    Server: balance\n",
             "line 3, column 5: http_server_config.headers.Server: HTTP header \"Server\" can not be configured (allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)"),
            ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
             "line 3, column 22: http_server_config.headers.X-Frame-Options: expected one of \"deny\", \"sameorigin\", got \"allow\""),
            ("http_server_config:\n  http3: true\n",
             "line 2, column 3: http_server_config.http3: unknown key (not in exporter-toolkit's web configuration: headers, http2)"),
            ("basic_auth_users:\n  alice: secret\n",
             "line 2, column 10: basic_auth_users.alice: not a bcrypt hash: a bcrypt hash has 60 characters, this one 6"),
            ("basic_auth_users:\n  - alice\n", "line 2, column 3: basic_auth_users: expected a mapping, got a sequence"),
            ("basic_auth_users:\n  a: $2y$04$x\n  a: $2y$04$y\n", "line 3, column 3: basic_auth_users: duplicate key \"a\""),
            ("rate_limit:\n  burst: 1\n",
             "line 1, column 1: rate_limit: rate_limit is not supported by balance_exporter: remove it (limit requests in front of the exporter)"),
            ("- just a list\n", "line 1, column 1: web configuration: expected a mapping, got a sequence"),
        ]
        for (yaml, message) in cases {
            XCTAssertEqual(try refused(yaml), message, yaml)
        }
        // Never the hash or password in an error.
        let leaked = try refused("basic_auth_users:\n  alice: $2y$04$tooShortButSecretLooking\n")
        XCTAssertFalse(leaked.contains("tooShortButSecretLooking"), leaked)
    }

    /// What promtool 2.42 cannot check (newer than it), and our own refusals.
    func testClientAllowedSANsAndOurOwnLimits() throws {
        let base = "tls_server_config:\n  cert_file: localhost.pem\n  key_file: localhost.key\n  client_ca_file: ca.pem\n"
        let config = try WebConfig.parse(Array((base + "  client_auth_type: RequireAndVerifyClientCert\n  client_allowed_sans: [prometheus.example, 10.0.0.1]\n").utf8),
                                         directory: directory)
        XCTAssertEqual(config.tls?.clientAllowedSANs, ["prometheus.example", "10.0.0.1"])
        XCTAssertThrowsError(try WebConfig.parse(Array((base + "  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [a]\n").utf8), directory: directory)) {
            XCTAssertEqual("\($0)", "line 6, column 24: tls_server_config.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (else a client may send no certificate to match)")
        }
        // promtool accepts these; OpenSSL here cannot serve the first two.
        let tls = "tls_server_config:\n  cert_file: localhost.pem\n  key_file: localhost.key\n"
        for (yaml, message) in [
            (tls + "  max_version: TLS11\n", "line 4, column 16: tls_server_config.max_version: TLS11 cannot be served: OpenSSL here refuses TLS 1.0 and 1.1 (use TLS12 or TLS13)"),
            (tls + "  min_version: TLS13\n  max_version: TLS12\n", "line 2, column 14: tls_server_config: min_version is above max_version"),
            // YAML 1.1's `yes` (promtool's yaml.v2 reads it as true) is a string in YAML 1.2's core schema.
            (tls + "  prefer_server_cipher_suites: yes\n",
             "line 4, column 32: tls_server_config.prefer_server_cipher_suites: expected a boolean (true or false), got \"yes\""),
            ("http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n",
             "line 3, column 30: http_server_config.headers.Content-Security-Policy: a header value cannot hold line breaks or control characters"),
        ] {
            XCTAssertThrowsError(try WebConfig.parse(Array(yaml.utf8), directory: directory), yaml) { XCTAssertEqual("\($0)", message) }
        }
    }

    /// Our Go-to-OpenSSL table agrees with `openssl ciphers -stdname`.
    func testCipherSuiteTableMatchesOpenSSL() throws {
        let result = try runScript(["openssl", "ciphers", "-stdname", "ALL"], timeout: 30)
        XCTAssertEqual(result.status, 0)
        var openSSL: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 3, fields[1] == "-" { openSSL[String(fields[0])] = String(fields[2]) }
        }
        for suite in TLSServerConfig.cipherSuiteNames {
            XCTAssertEqual(suite.openSSL ?? suite.go, openSSL[suite.go], suite.go)
        }
    }

    func testDirectoryOfAPath() {
        XCTAssertEqual(WebConfig.directory(of: "/etc/balance_exporter/web.yml"), "/etc/balance_exporter")
        XCTAssertEqual(WebConfig.directory(of: "web.yml"), ".")
        XCTAssertEqual(WebConfig.directory(of: "conf/web.yml"), "conf")
        XCTAssertEqual(WebConfig.directory(of: "/web.yml"), "/")
        XCTAssertEqual(try WebConfig.parse(Array("tls_server_config: {cert_file: c.pem, key_file: k.pem}".utf8), directory: "/").files, ["/c.pem", "/k.pem"])
    }

    func testAConfigurationHoldingAHashShowsNoMoreThanItsVersionAndCost() throws {
        let hash = try BcryptHash("$2y$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm")
        XCTAssertFalse("\(WebConfig(users: ["u": hash]))".contains("cVWp4XaNU8"), "\(WebConfig(users: ["u": hash]))")
    }
}
