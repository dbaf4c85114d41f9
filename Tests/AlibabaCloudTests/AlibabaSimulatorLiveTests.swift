import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// The Alibaba simulator served by the real `HTTPServer` on 127.0.0.1:
/// requests from the client's builder over the production transport, an
/// HTTP/1.0 request with `Via`, and a request forwarded by a real tinyproxy.
final class AlibabaSimulatorLiveTests: XCTestCase {
    private let uid = AlibabaSimulatorTests.uid
    private let credentials = AlibabaSimulatorTests.credentials

    private func world() throws -> (clock: TestClock, gateway: AlibabaSimulator, port: Int) {
        let clock = TestClock()
        let gateway = AlibabaSimulator(clock: clock)
        gateway.setAccount(uid, AlibabaSimulatorAccount(availableAmount: "-11.19", availableCashAmount: "1,234.56", currency: "USD",
                                                        site: .china))
        gateway.addKey(id: credentials.accessKeyId, secret: credentials.accessKeySecret, account: uid)
        return (clock, gateway, try serveOnLoopback(gateway))
    }

    private func request(_ api: AlibabaAPI, port: Int, clock: TestClock, nonce: String,
                         credentials: AlibabaCredentials? = nil) throws -> AlibabaRequest {
        let endpoint = try XCTUnwrap(AlibabaEndpoint("http://127.0.0.1:\(port)"))
        return AlibabaRequest.make(endpoint: endpoint, api: api, credentials: credentials ?? self.credentials,
                                   timestamp: Int(clock.now()), nonce: nonce, userAgent: "balance_exporter/live-test")
    }

    func testBalanceIdentityAndAssumeRoleOverTheProductionTransport() async throws {
        let (clock, gateway, port) = try world()
        let transport = SocketTransport()
        let balanceResponse = try await transport.exchange(try request(.queryAccountBalance, port: port, clock: clock, nonce: "live-1").call, timeout: 5, what: "test")
        let balance = try AlibabaBalance.parse(balanceResponse, now: clock.now(), removing: credentials.secrets)
        XCTAssertEqual(balance.currency, "USD")
        let identity = try AlibabaSTS.identity(
            try await transport.exchange(try request(.getCallerIdentity, port: port, clock: clock, nonce: "live-2").call, timeout: 5, what: "test"),
            now: clock.now(), removing: credentials.secrets)
        let reading = AlibabaBalanceMapping.reading(balance, uin: identity.accountID)
        XCTAssertEqual(reading.uin, uid)
        XCTAssertEqual(reading.available, -11.19)
        XCTAssertEqual(reading.fields.map(\.value), [-11.19, 1234.56])

        // The AssumeRole parameters travel in the query: encoded by the client, decoded by the server.
        let arn = "acs:ram::\(uid):role/live reader+1"
        gateway.addRole(arn: arn, account: uid)
        let role = AlibabaRole(arn: arn, sessionName: "live/session", durationSeconds: 1200)
        let endpoint = try XCTUnwrap(AlibabaEndpoint("http://127.0.0.1:\(port)"))
        let assume = AlibabaRequest.assumeRole(endpoint: endpoint, role: role, credentials: credentials, timestamp: Int(clock.now()),
                                               nonce: "live-3", userAgent: "ua")
        let temporary = try AlibabaSTS.assumedRole(try await transport.exchange(assume.call, timeout: 5, what: "test"), role: role, now: clock.now(),
                                                   removing: credentials.secrets)
        XCTAssertEqual(temporary.expiresAt, clock.now() + 1200)
        let withToken = try await transport.exchange(try request(.queryAccountBalance, port: port, clock: clock, nonce: "live-4",
                                                             credentials: temporary).call, timeout: 5, what: "test")
        XCTAssertEqual(withToken.status, 200, String(decoding: withToken.body, as: UTF8.self))
        XCTAssertEqual(gateway.requests.map { $0.headers["x-acs-action"] ?? "" },
                       ["QueryAccountBalance", "GetCallerIdentity", "AssumeRole", "QueryAccountBalance"])
        XCTAssertEqual(gateway.requests[2].query, assume.query)
    }

    /// What an HTTP/1.0 proxy forwards: HTTP/1.0, its own `Via`, no keep-alive.
    func testAnHTTP10RequestWithViaIsAccepted() throws {
        let (clock, gateway, port) = try world()
        let signed = try request(.queryAccountBalance, port: port, clock: clock, nonce: "via-1")
        let connection = try RawHTTPConnection(port: port)
        defer { connection.close() }
        try connection.send(RawHTTPClient.wire(method: "POST", path: "/", version: "HTTP/1.0",
                                               headers: signed.headers + [("Via", "1.0 squid (squid/2.7)"), ("Content-Length", "0")]))
        let response = try connection.readResponse(method: "POST")
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(gateway.requests.first?.minorVersion, 0)
        XCTAssertEqual(gateway.requests.first?.headers["Via"], "1.0 squid (squid/2.7)")
    }

    func testARequestForwardedByTinyproxyIsAccepted() throws {
        let (clock, gateway, port) = try world()
        guard let proxy = try AlibabaTinyproxy.start(testCase: self) else {
            return try componentMissing("tinyproxy not found on PATH (install Debian's `tinyproxy` package)")
        }
        let signed = try request(.queryAccountBalance, port: port, clock: clock, nonce: "proxy-1")
        let connection = try RawHTTPConnection(port: proxy.port)
        defer { connection.close() }
        try connection.send(RawHTTPClient.wire(method: "POST", path: "http://127.0.0.1:\(port)/",
                                               headers: signed.headers + [("Content-Length", "0"), ("Connection", "close")]))
        let response = try connection.readResponse(method: "POST")
        XCTAssertEqual(response.status, 200, response.text + proxy.log)
        let balance = try AlibabaBalance.parse(HTTPResponse(status: response.status, body: response.body), now: clock.now(), removing: [])
        XCTAssertEqual(balance.available, JSONNumber("-11.19"))
        let forwarded = try XCTUnwrap(gateway.requests.first)
        XCTAssertTrue(forwarded.headers["Via"]?.contains("tinyproxy") == true, "\(forwarded.headers)")
        XCTAssertEqual(forwarded.headers["host"], "127.0.0.1:\(port)", "the proxy writes the Host the client signed")
    }
}

/// A real tinyproxy on 127.0.0.1 for one test, stopped at its end.
private struct AlibabaTinyproxy {
    let port: Int
    let directory: URL

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("tinyproxy.log"), encoding: .utf8)) ?? "" }

    /// nil when tinyproxy is not installed.
    static func start(testCase: XCTestCase) throws -> AlibabaTinyproxy? {
        guard let binary = executableOnPath("tinyproxy") else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alibaba-tinyproxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try freeLoopbackPort()
        let config = directory.appendingPathComponent("tinyproxy.conf")
        try "Port \(port)\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 10\nMaxClients 8\nLogLevel Info\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let logURL = directory.appendingPathComponent("tinyproxy.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["-d", "-c", config.path]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        testCase.addTeardownBlock {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: directory)
        }
        // Ready once it accepts a connection (real time: it is another process).
        let deadline = Date().addingTimeInterval(10)
        while (try? RawHTTPConnection(port: port, timeout: 1)) == nil {
            guard Date() < deadline, process.isRunning else {
                throw RawHTTPError.malformed("tinyproxy did not start: " + ((try? String(contentsOf: logURL, encoding: .utf8)) ?? ""))
            }
            usleep(50_000)
        }
        return AlibabaTinyproxy(port: port, directory: directory)
    }
}
