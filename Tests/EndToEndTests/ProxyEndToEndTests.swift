import BalanceTestSupport
import Foundation
import Glibc
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// Upstream calls through a real proxy: Debian's tinyproxy, started by the
/// test on 127.0.0.1, in front of loopback upstreams (the Tencent Cloud
/// simulator, and our own server with TLS from a test CA). Plus the CA
/// bundle chosen by `SSL_CERT_FILE` or `caFile`.
final class ProxyEndToEndTests: XCTestCase {
    private func proxy(credentials: (user: String, password: String)? = nil, connectPorts: [Int] = []) throws -> TinyProxy {
        guard let proxy = try TinyProxy.start(credentials: credentials, connectPorts: connectPorts, testCase: self) else {
            try tinyproxyMissing()
            throw XCTSkip("tinyproxy missing")
        }
        return proxy
    }

    private func certificates() throws -> TLSTestCertificates {
        try requireTools(executables: ["openssl"])
        let made = try TLSTestCertificates.generate()
        addTeardownBlock { made.remove() }
        return made
    }

    /// Our server with TLS from `certificate`, answering `tls <path>` unless given a handler.
    private func tlsUpstream(_ certificate: (String, String),
                             handler: any HTTPHandler = LoopbackHandler { .text(200, "tls \($0.path)") }) throws -> Int {
        let context = try ServerTLSContext(TLSServerConfig(certificate: .file(certificate.0), key: .file(certificate.1)),
                                           certificate: SecretFile.read(certificate.0), key: SecretFile.read(certificate.1), clientCA: nil)
        let server = HTTPServer(addresses: [.loopback()], logger: .discard, tls: { context },
                                handler: handler)
        try server.start()
        addTeardownBlock { server.shutdown(grace: 0) }
        return server.boundPorts[0]
    }

    private func url(_ text: String) -> HTTPURL {
        guard let url = HTTPURL(string: text) else { preconditionFailure("test URL \(text)") }
        return url
    }

    private func through(_ proxy: TinyProxy, user: String? = nil, caFile: String? = nil) throws -> SocketTransport {
        let credentials = user.map { "\($0)@" } ?? ""
        return SocketTransport(caFile: caFile, proxy: .proxy(try ProxyURL.parse("http://\(credentials)127.0.0.1:\(proxy.port)")))
    }

    private func failure(_ transport: SocketTransport, _ target: String) async -> TransportError? {
        do {
            let response = try await transport.call("GET", url(target), timeout: 5)
            XCTFail("expected a failure, got \(response.status) \(response.bodyText)")
            return nil
        } catch {
            return error
        }
    }

    // MARK: http upstreams

    func testHTTPUpstreamsGoThroughTheProxyInAbsoluteForm() async throws {
        let proxy = try proxy()
        let seen = LockedArray<HTTPRequest>()
        let upstream = try serveOnLoopback { request in
            seen.append(request)
            return .text(200, "upstream \(request.target)")
        }
        let response = try await through(proxy).call("GET", url("http://127.0.0.1:\(upstream)/balance?x=1"), timeout: 5)
        XCTAssertEqual(response.bodyText, "upstream /balance?x=1")
        // tinyproxy forwards with its Via (as HTTP/1.0 or 1.1): the call really went through it.
        XCTAssertTrue(seen.values.first?.headers["Via"]?.contains("tinyproxy") == true, "\(seen.values)")
        XCTAssertTrue(proxy.log.contains("GET http://127.0.0.1:\(upstream)/balance?x=1"), proxy.log)
    }

    func testAnHTTPUpstreamsCallWithoutTheProxysCredentialsIsAProxyFailure() async throws {
        let proxy = try proxy(credentials: ("scraper", "pr0xy-s3cret"))
        let upstream = try serveOnLoopback { .text(200, "upstream \($0.target)") }
        let response = try await through(proxy, user: "scraper:pr0xy-s3cret").call("GET", url("http://127.0.0.1:\(upstream)/"), timeout: 5)
        XCTAssertEqual(response.bodyText, "upstream /")
        // (tinyproxy answers wrong credentials with a 401, which for an http
        // upstream cannot be told from the upstream's own: only a 407 counts.)
        let anonymous = await failure(try through(proxy), "http://127.0.0.1:\(upstream)/")
        XCTAssertEqual(anonymous, TransportError.proxy("the proxy refused the proxy credentials (HTTP 407)"))
        XCTAssertEqual(anonymous.map(FailureReason.init), .proxy)
    }

    func testTheEnvironmentsProxyIsNotUsedForLoopback() async throws {
        let proxy = try proxy()
        let upstream = try serveOnLoopback { .text(200, "direct \($0.path)") }
        let environment = try ProxyEnvironment(["HTTP_PROXY": "http://127.0.0.1:\(proxy.port)"])
        let transport = SocketTransport(proxyEnvironment: environment)
        let response = try await transport.call("GET", url("http://127.0.0.1:\(upstream)/x"), timeout: 5)
        XCTAssertEqual(response.bodyText, "direct /x")
        XCTAssertFalse(proxy.log.contains("Request"), proxy.log)
    }

    func testProxyCredentialsWorkAndWrongOnesAreTheirOwnReasonWithoutThePasswordInTheLogs() throws {
        let made = try certificates()
        let clock = SystemClock()
        let tencent = TencentCloudSimulator(clock: clock)
        tencent.setAccount("main", SimulatedTencentAccount(uin: .number(600000561284), balance: 12_345, realBalance: 12_345,
                                                           oweAmount: 0, creditAmount: 0))
        tencent.addCredential(secretId: "AKIDproxy", secretKey: "proxy-key", account: "main")
        let upstream = try tlsUpstream(made.localhost, handler: tencent)
        let proxy = try proxy(credentials: ("scraper", "pr0xy-s3cret"), connectPorts: [upstream])

        func scrape(password: String) throws -> (metrics: String, logs: [String]) {
            let logs = LogCapture()
            let config = ExporterConfig(accounts: [
                AccountConfig(name: "proxied", provider: "tencentcloud", endpoint: "https://localhost:\(upstream)", currency: "USD",
                              refreshInterval: 60, values: ["secret_id": .string("AKIDproxy"), "secret_key": .string("proxy-key")]),
            ], source: "test")
            var options = ExporterOptions()
            options.listenAddresses = ["127.0.0.1:0"]
            let exporter = Exporter(source: .fixed(config), options: options, environment: [:], logger: logs.logger(),
                                    transport: try through(proxy, user: "scraper:\(password)", caFile: made.caFile))
            try exporter.start()
            defer { exporter.shutdown(grace: 0) }
            var metrics = ""
            _ = waitUntil {
                metrics = (try? RawHTTPClient.get(port: exporter.boundPorts[0], path: "/metrics").text) ?? ""
                return metrics.contains("balance_up{")
            }
            return (metrics, logs.all)
        }

        let good = try scrape(password: "pr0xy-s3cret")
        XCTAssertTrue(good.metrics.contains(#"balance_up{provider="tencentcloud",uin="600000561284"} 1"#), good.metrics)
        XCTAssertTrue(proxy.log.contains("CONNECT localhost:\(upstream)"), proxy.log)

        let wrong = try scrape(password: "not-the-s3cret")
        XCTAssertTrue(wrong.metrics.contains(#"reason="proxy"} 1"#), wrong.metrics)
        XCTAssertTrue(wrong.logs.contains { $0.contains("reason=proxy") && $0.contains("the proxy refused the proxy credentials") },
                      wrong.logs.joined(separator: "\n"))
        for password in ["pr0xy-s3cret", "not-the-s3cret"] {
            let encoded = Base64.encode(Array("scraper:\(password)".utf8))
            for line in good.logs + wrong.logs + [good.metrics, wrong.metrics] {
                XCTAssertFalse(line.contains(password) || line.contains(encoded), "the proxy password leaked: \(line)")
            }
        }
    }

    func testTheConfigurationsProxyURLAndCAFileCarryEveryCallOfTheAccount() throws {
        let made = try certificates()
        let tencent = TencentCloudSimulator(clock: SystemClock())
        tencent.setAccount("main", SimulatedTencentAccount(uin: .number(600000561284), balance: 12_345, realBalance: 12_345,
                                                           oweAmount: 0, creditAmount: 0))
        tencent.addCredential(secretId: "AKIDproxy", secretKey: "proxy-key", account: "main")
        let upstream = try tlsUpstream(made.localhost, handler: tencent)
        let proxy = try proxy(credentials: ("scraper", "pr0xy-s3cret"), connectPorts: [upstream])
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let passwordFile = directory.appendingPathComponent("proxy_url")
        try "http://scraper:pr0xy-s3cret@127.0.0.1:\(proxy.port)\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile.path, 0o600)
        let config = directory.appendingPathComponent("balance.yml")
        try """
        proxy_url: ""
        accounts:
          - name: proxied
            provider: tencentcloud
            endpoint: https://localhost:\(upstream)
            secret_id: AKIDproxy
            secret_key: proxy-key
            proxy_url_file: \(passwordFile.path)
            ca_file: \(made.caFile)
        """.write(to: config, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        // The environment's proxy would not be used (the account's wins); it must not break anything either.
        let exporter = try ExporterProcess(["--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(port)"],
                                           environment: ["HTTPS_PROXY": "http://127.0.0.1:1"])
        var metrics = ""
        XCTAssertTrue(waitUntil {
            metrics = (try? RawHTTPClient.get(port: port, path: "/metrics").text) ?? ""
            return metrics.contains(#"balance_up{provider="tencentcloud",uin="600000561284"} 1"#)
        }, metrics + exporter.output)
        XCTAssertTrue(proxy.log.contains("CONNECT localhost:\(upstream)"), proxy.log)
        XCTAssertFalse(exporter.output.contains("pr0xy-s3cret"), exporter.output)
    }

    func testAnUnreachableProxyIsANetworkFailure() async throws {
        let port = try freeLoopbackPort()
        let transport = SocketTransport(proxy: .proxy(try ProxyURL.parse("http://user:pw@127.0.0.1:\(port)")))
        let error = await failure(transport, "http://127.0.0.1:1/")
        XCTAssertEqual(error, .network("proxy: connection refused"))
        XCTAssertEqual(error.map(FailureReason.init), .network)
    }

    // MARK: https upstreams

    func testHTTPSUpstreamsTunnelThroughCONNECTWithTheUpstreamsOwnCertificate() async throws {
        let made = try certificates()
        let trusted = try tlsUpstream(made.localhost)
        let stranger = try tlsUpstream(made.stranger)
        let notAllowed = try tlsUpstream(made.localhost)
        let proxy = try proxy(credentials: ("scraper", "pr0xy-s3cret"), connectPorts: [trusted, stranger])
        let transport = try through(proxy, user: "scraper:pr0xy-s3cret", caFile: made.caFile)

        let response = try await transport.call("GET", url("https://localhost:\(trusted)/balance"), timeout: 5)
        XCTAssertEqual(response.bodyText, "tls /balance")
        XCTAssertTrue(proxy.log.contains("CONNECT localhost:\(trusted)"), proxy.log)

        let refused = await failure(transport, "https://localhost:\(stranger)/balance")
        XCTAssertEqual(refused, .tls("TLS handshake failed: unable to get local issuer certificate"))
        XCTAssertEqual(refused.map(FailureReason.init), .tls)
        // Through the tunnel the name is checked against the upstream's, not the proxy's.
        let misnamed = await failure(transport, "https://wrong.example:\(trusted)/")
        XCTAssertNotNil(misnamed)

        let forbidden = await failure(transport, "https://localhost:\(notAllowed)/")
        XCTAssertEqual(forbidden, .network("proxy answered CONNECT with HTTP 403"))

        let wrongPassword = await failure(try through(proxy, user: "scraper:guess", caFile: made.caFile), "https://localhost:\(trusted)/")
        // tinyproxy answers a CONNECT with wrong credentials 401 (a plain request 407): either is the proxy's refusal.
        XCTAssertEqual(wrongPassword, TransportError.proxy("the proxy refused the proxy credentials (HTTP 401)"))
        XCTAssertEqual(wrongPassword.map(FailureReason.init), .proxy)
    }

    func testSSLCertFileChoosesTheTrustedBundle() async throws {
        let made = try certificates()
        let port = try tlsUpstream(made.localhost)
        let untrusted = await failure(SocketTransport(), "https://localhost:\(port)/")
        XCTAssertEqual(untrusted.map(FailureReason.init), .tls, "the test CA is not in the system's bundle")
        setenv("SSL_CERT_FILE", made.caFile, 1)
        defer { unsetenv("SSL_CERT_FILE") }
        let response = try await SocketTransport().call("GET", url("https://localhost:\(port)/ca"), timeout: 5)
        XCTAssertEqual(response.bodyText, "tls /ca")
    }
}
