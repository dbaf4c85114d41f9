import Foundation

/// The web configurations the tests use, made in one place so that one
/// end-to-end test can hand every one of them to `promtool check web-config`
/// (`WebConfigFixture.all`). Passwords are bcrypt vectors of cost 4 (the
/// real-cost vector lives in BcryptTests).
package enum WebConfigFixture {
    package struct User: Sendable {
        package let name: String
        package let password: String
        package let hash: String

        package init(name: String, password: String, hash: String) {
            self.name = name
            self.password = password
            self.hash = hash
        }
    }

    package static let alice = User(name: "alice", password: "Kk4DQuMMfZL9o",
                                    hash: "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm")
    /// Alice's next password, for rotation tests.
    package static let aliceRotated = User(name: "alice", password: "9IeRXmnGxMYbs",
                                           hash: "$2b$04$pQ7gRO7e6wx/936oXhNjrOUNOHL1D0h1N2IDbJZYs.1ppzSof6SPy")

    /// Basic auth and the toolkit's headers, plain HTTP.
    package static func basicAuth(_ user: User = alice) -> String {
        """
        http_server_config:
          headers:
            X-Frame-Options: deny
            X-Content-Type-Options: nosniff
        basic_auth_users:
          \(user.name): \(user.hash)

        """
    }

    /// TLS with `certificate`, optionally basic auth and client certificates.
    /// `protocols`: lines of `tls_server_config` for versions and suites (default `min_version: TLS12`).
    package static func tls(_ certificate: (String, String), user: User? = alice, clientAuth: String? = nil,
                            clientCA: String? = nil, allowedSANs: [String] = [],
                            protocols: [String] = ["min_version: TLS12"]) -> String {
        var text = """
        tls_server_config:
          cert_file: \(certificate.0)
          key_file: \(certificate.1)

        """
        for line in protocols { text += "  \(line)\n" }
        if let clientAuth { text += "  client_auth_type: \(clientAuth)\n" }
        if let clientCA { text += "  client_ca_file: \(clientCA)\n" }
        if !allowedSANs.isEmpty { text += "  client_allowed_sans: [\(allowedSANs.joined(separator: ", "))]\n" }
        text += "http_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\n"
        if let user { text += "basic_auth_users:\n  \(user.name): \(user.hash)\n" }
        return text
    }

    /// Every configuration above that promtool 2.42 can check (it predates
    /// `client_allowed_sans`), by name.
    package static func all(_ certificates: TLSTestCertificates) -> [(name: String, text: String)] {
        [
            ("basic-auth", basicAuth()),
            ("basic-auth-rotated", basicAuth(aliceRotated)),
            ("tls", tls(certificates.localhost)),
            ("tls-no-auth", tls(certificates.localhost, user: nil)),
            ("tls-client-certs", tls(certificates.localhost, user: nil, clientAuth: "RequireAndVerifyClientCert",
                                     clientCA: certificates.caFile)),
            ("tls13-only", tls(certificates.localhost, user: nil, protocols: tls13Only)),
            ("tls12-suites", tls(certificates.localhost, user: nil, protocols: tls12Suites)),
        ]
    }

    package static let tls13Only = ["min_version: TLS13"]
    /// One TLS 1.2 suite and one curve, as Go names them.
    package static let tls12Suites = ["max_version: TLS12", "cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]",
                                      "curve_preferences: [CurveP256]"]

    /// Writes `text` to `name`.yml in `directory` (atomically: a new file
    /// replaces the old, as editors and Kubernetes do); the path.
    @discardableResult
    package static func write(_ text: String, to directory: URL, name: String = "web") throws -> String {
        let url = directory.appendingPathComponent("\(name).yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
