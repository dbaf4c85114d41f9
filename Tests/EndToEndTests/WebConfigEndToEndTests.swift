import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter

/// `--web.config.file` against the real clients: Debian's Prometheus
/// scraping with `scheme: https`, `tls_config` and `basic_auth`; promtool
/// checking every web configuration the tests use; curl presenting client
/// certificates for `client_allowed_sans` (which promtool 2.42 predates).
final class WebConfigEndToEndTests: XCTestCase {
    private func certificates() throws -> TLSTestCertificates {
        try requireTools(executables: ["openssl"])
        let made = try TLSTestCertificates.generate()
        addTeardownBlock { made.remove() }
        return made
    }

    /// An exporter without accounts behind the web configuration `text`; its port.
    private func exporter(_ text: String, in directory: URL, name: String) throws -> Int {
        var options = ExporterOptions()
        options.listenAddresses = ["127.0.0.1:0"]
        options.webConfigFile = try WebConfigFixture.write(text, to: directory, name: name)
        let exporter = Exporter(source: .fixed(ExporterConfig(accounts: [], source: "test")), options: options,
                                environment: [:], logger: .discard)
        try exporter.start()
        addTeardownBlock { exporter.shutdown(grace: 0) }
        return exporter.boundPorts[0]
    }

    func testPrometheusScrapesOverTLSWithBasicAuthAndClientCertificatesAndWrongOnesAreRefused() throws {
        let made = try certificates()
        let withAuth = try exporter(WebConfigFixture.tls(made.localhost), in: made.directory, name: "auth")
        let withClientCerts = try exporter(WebConfigFixture.tls(made.localhost, user: nil, clientAuth: "RequireAndVerifyClientCert",
                                                                clientCA: made.caFile), in: made.directory, name: "mtls")
        let alice = WebConfigFixture.alice
        func job(_ name: String, _ port: Int, _ extra: String) -> String {
            """
              - job_name: \(name)
                scheme: https
                tls_config:
                  ca_file: \(made.caFile)
            \(extra)    static_configs:
                  - targets: ["127.0.0.1:\(port)"]

            """
        }
        let jobs = [
            job("password", withAuth, "    basic_auth: {username: \(alice.name), password: \(alice.password)}\n"),
            job("wrong_password", withAuth, "    basic_auth: {username: \(alice.name), password: guess}\n"),
            job("no_password", withAuth, ""),
            job("client_cert", withClientCerts, "      cert_file: \(made.client.0)\n      key_file: \(made.client.1)\n"),
            job("no_client_cert", withClientCerts, ""),
        ].joined()
        guard let prometheus = try PrometheusServer.start(targets: [], scrapeConfigs: jobs, testCase: self) else {
            return try prometheusMissing()
        }
        func up(_ job: String) -> Double? { prometheus.query("up{job=\"\(job)\"}").first?.value }
        XCTAssertTrue(prometheus.waitFor { up("password") == 1 && up("client_cert") == 1 }, "Prometheus log:\n\(prometheus.log)")
        XCTAssertTrue(prometheus.waitFor(timeout: 10) { ["wrong_password", "no_password", "no_client_cert"].allSatisfy { up($0) == 0 } })
        XCTAssertEqual(prometheus.query("sum(up)").first?.value, 2, "only the right credentials get through")
        XCTAssertGreaterThan(prometheus.query("scrape_samples_scraped{job=\"password\"}").first?.value ?? 0, 5)
    }

    func testPromtoolAcceptsEveryWebConfigurationTheTestsUse() throws {
        let made = try certificates()
        guard let promtool = executableOnPath("promtool") else { return try promtoolMissing() }
        for (name, text) in WebConfigFixture.all(made) {
            let path = try WebConfigFixture.write(text, to: made.directory, name: name)
            let result = try runScript([promtool.path, "check", "web-config", path], timeout: 60)
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
        }
    }

    func testClientAllowedSANsLetOnlyTheNamedClientsIn() throws {
        let made = try certificates()
        try requireTools(executables: ["curl"])
        func curl(_ port: Int) throws -> (status: Int32, output: String) {
            try runScript(["curl", "-sS", "--max-time", "5", "--cacert", made.caFile, "--cert", made.client.0, "--key", made.client.1,
                           "https://127.0.0.1:\(port)/-/healthy"], timeout: 30)
        }
        let named = try exporter(WebConfigFixture.tls(made.localhost, user: nil, clientAuth: "RequireAndVerifyClientCert",
                                                      clientCA: made.caFile, allowedSANs: ["scraper.example"]),
                                 in: made.directory, name: "sans-ok")
        let other = try exporter(WebConfigFixture.tls(made.localhost, user: nil, clientAuth: "RequireAndVerifyClientCert",
                                                      clientCA: made.caFile, allowedSANs: ["other.example", "127.0.0.1"]),
                                 in: made.directory, name: "sans-other")
        let allowed = try curl(named)
        XCTAssertEqual(allowed.status, 0, allowed.output)
        XCTAssertEqual(allowed.output, "Healthy.\n")
        let refused = try curl(other)
        XCTAssertNotEqual(refused.status, 0, refused.output)
        XCTAssertFalse(refused.output.contains("Healthy"), refused.output)
    }

    func testVersionsCipherSuitesAndCurvesAreHonoured() throws {
        let made = try certificates()
        try requireTools(executables: ["curl"])
        func curl(_ port: Int, _ options: [String]) throws -> Int32 {
            try runScript(["curl", "-sS", "--max-time", "5", "--cacert", made.caFile] + options + ["https://127.0.0.1:\(port)/-/healthy"],
                          timeout: 30).status
        }
        let tls13 = try exporter(WebConfigFixture.tls(made.localhost, user: nil, protocols: WebConfigFixture.tls13Only),
                                 in: made.directory, name: "tls13")
        XCTAssertEqual(try curl(tls13, ["--tlsv1.3"]), 0)
        XCTAssertNotEqual(try curl(tls13, ["--tls-max", "1.2"]), 0, "min_version TLS13 refuses TLS 1.2")
        let suites = try exporter(WebConfigFixture.tls(made.localhost, user: nil, protocols: WebConfigFixture.tls12Suites),
                                  in: made.directory, name: "suites")
        XCTAssertEqual(try curl(suites, ["--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"]), 0)
        XCTAssertNotEqual(try curl(suites, ["--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"]), 0, "a suite not listed is refused")
        XCTAssertNotEqual(try curl(suites, ["--tlsv1.3"]), 0, "max_version TLS12 refuses TLS 1.3")
        XCTAssertNotEqual(try curl(suites, ["--curves", "X25519"]), 0, "a curve not listed is refused")
    }
}
