import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP

/// `--web.config.file` on the exporter: every endpoint is protected, an
/// invalid file stops the start, and `--health-check` gets through TLS and
/// basic auth.
final class WebConfigExporterTests: XCTestCase {
    private func directory() throws -> URL {
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    func testEveryEndpointAsksForCredentialsAndCarriesTheHeaders() throws {
        var options = ExporterOptions()
        options.listenAddresses = ["127.0.0.1:0"]
        options.enableLifecycle = true
        options.webConfigFile = try WebConfigFixture.write(WebConfigFixture.basicAuth(), to: directory())
        let exporter = Exporter(source: .fixed(ExporterConfig(accounts: [], source: "test")), options: options,
                                environment: [:], logger: .discard)
        try exporter.start()
        addTeardownBlock { exporter.shutdown(grace: 0) }
        let port = exporter.boundPorts[0]
        let alice = WebConfigFixture.alice
        let credentials = BasicCredentials(user: alice.name, password: Array(alice.password.utf8)).headerValue
        for (method, path, allowed) in [("GET", "/", 200), ("GET", "/-/healthy", 200), ("GET", "/-/ready", 200),
                                        ("POST", "/-/reload", 200), ("GET", "/metrics", 200), ("GET", "/nowhere", 404)] {
            let refused = try RawHTTPClient.request(port: port, method: method, path: path)
            XCTAssertEqual(refused.status, 401, "\(method) \(path)")
            XCTAssertEqual(refused.headers["WWW-Authenticate"], "Basic", "\(method) \(path)")
            XCTAssertEqual(refused.headers["X-Frame-Options"], "deny", "\(method) \(path)")
            let answered = try RawHTTPClient.request(port: port, method: method, path: path, headers: [("Authorization", credentials)])
            XCTAssertEqual(answered.status, allowed, "\(method) \(path)")
            XCTAssertEqual(answered.headers["X-Content-Type-Options"], "nosniff", "\(method) \(path)")
        }
    }

    func testAnInvalidWebConfigurationStopsTheStartWithExitOne() throws {
        let path = try WebConfigFixture.write("basic_auth_users:\n  alice: plain-text-password\n", to: directory())
        let port = try freeLoopbackPort()
        let result = try ExporterProcess.run(["--web.listen-address=127.0.0.1:\(port)", "--web.config.file=\(path)"])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("invalid web configuration") && result.output.contains("line 2, column 10: basic_auth_users.alice"),
                      result.output)
        XCTAssertFalse(result.output.contains("plain-text-password"), "the bad value is a secret: \(result.output)")
    }

    func testHealthCheckGetsThroughTLSAndBasicAuthWithAndWithoutTheFile() throws {
        try requireTools(executables: ["openssl"])
        let certificates = try TLSTestCertificates.generate()
        addTeardownBlock { certificates.remove() }
        let path = try WebConfigFixture.write(WebConfigFixture.tls(certificates.localhost), to: certificates.directory)
        let port = try freeLoopbackPort()
        let exporter = try ExporterProcess(["--web.listen-address=127.0.0.1:\(port)", "--web.config.file=\(path)"])
        let listen = "--web.listen-address=127.0.0.1:\(port)"
        XCTAssertTrue(waitUntil { StatusProbe.status(host: "127.0.0.1", port: UInt16(port), path: "/", tls: true, timeout: 1) == 401 },
                      exporter.output)
        XCTAssertEqual(try ExporterProcess.run(["--health-check", listen]).status, 0, "no other flag, as the image's HEALTHCHECK")
        XCTAssertEqual(try ExporterProcess.run(["--health-check", listen, "--web.config.file=\(path)"]).status, 0)
        kill(exporter.process.processIdentifier, SIGTERM)
        XCTAssertEqual(exporter.waitForExit(timeout: 5), 0)
        XCTAssertEqual(try ExporterProcess.run(["--health-check", listen]).status, 1)
    }

    func testHealthCheckGetsThroughRequiredClientCertificates() throws {
        try requireTools(executables: ["openssl"])
        let certificates = try TLSTestCertificates.generate()
        addTeardownBlock { certificates.remove() }
        let path = try WebConfigFixture.write(WebConfigFixture.tls(certificates.localhost, user: nil, clientAuth: "RequireAndVerifyClientCert",
                                                                    clientCA: certificates.caFile), to: certificates.directory)
        let port = try freeLoopbackPort()
        let exporter = try ExporterProcess(["--web.listen-address=127.0.0.1:\(port)", "--web.config.file=\(path)"])
        XCTAssertTrue(waitUntil { StatusProbe.status(host: "127.0.0.1", port: UInt16(port), path: "/", tls: false, timeout: 1) == 400 },
                      exporter.output)
        XCTAssertEqual(try ExporterProcess.run(["--health-check", "--web.listen-address=127.0.0.1:\(port)"]).status, 0)
    }
}
