import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceVolcengine

/// The Volcengine requests over real loopback sockets: built and signed by
/// the pure builder, sent by the production `SocketTransport` (or through a
/// real tinyproxy), checked by the simulator behind the real `HTTPServer`,
/// read back by the pure parsers. Proves the bytes on the wire: the Host the
/// transport sends is the one signed, the query and signed headers survive,
/// and a proxy's HTTP/1.0 and `Via` change nothing.
final class VolcengineLiveTests: XCTestCase {
    private let clock = TestClock(now: 1_800_000_000)
    private let base = VolcengineCredentials(accessKeyId: "AKLTlive", secretAccessKey: "live-secret", source: "test")

    private func startSimulator() throws -> (VolcengineSimulator, HTTPURL) {
        let simulator = VolcengineSimulator(clock: clock)
        simulator.setAccount("main", .init(accountID: .string("3000000000"), availableBalance: "1,234,567.89", cashBalance: "1,234,568.00",
                                           creditLimit: "10000.00", arrearsBalance: "0.00", freezeAmount: "0.11", currency: "CNY"))
        simulator.setAccount("customer", .init(accountID: .number(2200000000), availableBalance: "-3.50", cashBalance: .null))
        simulator.addKey(accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey, account: "main")
        simulator.addRole(trn: "trn:iam::2200000000:role/reader", account: "customer")
        let port = try serveOnLoopback(simulator)
        return (simulator, try XCTUnwrap(HTTPURL(string: "http://127.0.0.1:\(port)")))
    }

    private func send(_ request: VolcengineRequest) async throws -> HTTPResponse {
        try await SocketTransport().exchange(request.call, timeout: 5, what: "test")
    }

    func testBalanceOverLoopbackSignsTheHostWithItsPortAndReadsEveryField() async throws {
        let (simulator, endpoint) = try startSimulator()
        let request = VolcengineRequest.queryBalance(endpoint: endpoint, region: "cn-beijing", credentials: base,
                                                     timestamp: Int(clock.now()), userAgent: "balance_exporter/live-test")
        let balance = try VolcengineBalanceMapping.balance(try await send(request), now: clock.now(), secrets: base.secrets)

        XCTAssertEqual(balance.currency, "CNY")
        XCTAssertEqual(VolcengineBalanceMapping.reading(balance), BalanceReading(uin: "3000000000", available: 1234567.89, fields: [
            FieldSample(VolcengineMetrics.availableBalance, 1234567.89), FieldSample(VolcengineMetrics.cashBalance, 1234568),
            FieldSample(VolcengineMetrics.creditLimit, 10000), FieldSample(VolcengineMetrics.arrearsBalance, 0),
            FieldSample(VolcengineMetrics.freezeAmount, 0.11),
        ], currency: "CNY"))
        let received = try XCTUnwrap(simulator.requests.last)
        XCTAssertEqual(received.headers.filter { $0.name.lowercased() == "host" }.map(\.value), ["127.0.0.1:\(endpoint.port ?? 0)"])
        XCTAssertEqual(received.target, "/?Action=QueryBalanceAcct&Version=2022-01-01")
        XCTAssertEqual(received.headers["User-Agent"], "balance_exporter/live-test")
        XCTAssertEqual(received.body, Array("{}".utf8))
    }

    func testAssumeRoleOverLoopbackThenTheTemporaryKeysReadTheRolesAccount() async throws {
        let (simulator, endpoint) = try startSimulator()
        let role = VolcengineRole(trn: "trn:iam::2200000000:role/reader", sessionName: "balance-exporter")
        let assume = VolcengineRequest.assumeRole(endpoint: endpoint, region: "cn-beijing", role: role, credentials: base,
                                                  timestamp: Int(clock.now()), userAgent: "ua")
        let temporary = try VolcengineAssumeRole.credentials(try await send(assume), role: role, now: clock.now(), secrets: base.secrets)
        XCTAssertEqual(temporary.expiresAt, 1_800_003_600)

        let request = VolcengineRequest.queryBalance(endpoint: endpoint, region: "cn-beijing", credentials: temporary,
                                                     timestamp: Int(clock.now()), userAgent: "ua")
        let reading = VolcengineBalanceMapping.reading(try VolcengineBalanceMapping.balance(try await send(request), now: clock.now(),
                                                                                           secrets: temporary.secrets))
        XCTAssertEqual(reading, BalanceReading(uin: "2200000000", available: -3.5, fields: [FieldSample(VolcengineMetrics.availableBalance, -3.5)]))
        XCTAssertEqual(simulator.requests.last?.headers["X-Security-Token"], temporary.sessionToken)
    }

    func testEachFailureClassOverLoopback() async throws {
        let (simulator, endpoint) = try startSimulator()
        simulator.enqueueFaults([.throttled(retryAfter: "20"), .httpStatus(502), .truncatedJSON,
                                 .error(code: "AccessDenied", status: 403, message: "User is not authorized")])
        func failure(_ credentials: VolcengineCredentials? = nil, at timestamp: Int? = nil) async throws -> ProviderError? {
            let request = VolcengineRequest.queryBalance(endpoint: endpoint, region: "cn-beijing", credentials: credentials ?? base,
                                                         timestamp: timestamp ?? Int(clock.now()), userAgent: "ua")
            let response = try await send(request)
            do {
                _ = try VolcengineBalanceMapping.balance(response, now: clock.now(), secrets: (credentials ?? base).secrets)
                return nil
            } catch {
                return error
            }
        }
        var scripted: [ProviderError?] = []
        for _ in 0..<4 { scripted.append(try await failure()) }
        XCTAssertEqual(scripted.map { $0?.reason }, [.throttled, .http_status, .bad_response, .permission])
        XCTAssertEqual(scripted[0]?.retryAfter, 20)
        let auth = try await failure(VolcengineCredentials(accessKeyId: base.accessKeyId, secretAccessKey: "wrong", source: "t"))
        XCTAssertEqual(auth?.reason, .auth)
        XCTAssertEqual(auth?.code, "SignatureDoesNotMatch")
        XCTAssertEqual(auth?.requestID, "sim-volcengine-5")
        let clockSkew = try await failure(at: Int(clock.now()) - 3600)
        XCTAssertEqual(clockSkew?.reason, .clock)
        simulator.setRateLimit(requestsPerSecond: 1)
        let first = try await failure(), second = try await failure()
        XCTAssertNil(first)
        XCTAssertEqual(second?.reason, .throttled)
    }

    /// A later issue sends provider calls through an HTTP proxy: tinyproxy
    /// forwards them with a `Via` header, in the client's HTTP version (1.0
    /// from a 1.0 client), and the signature holds.
    func testABalanceCallForwardedByTinyproxyIsAccepted() throws {
        try requireTools(executables: ["tinyproxy"])
        let (simulator, endpoint) = try startSimulator()
        let proxy = try Tinyproxy.start(testCase: self)
        for minorVersion in [0, 1] {
            let request = VolcengineRequest.queryBalance(endpoint: endpoint, region: "cn-beijing", credentials: base,
                                                         timestamp: Int(clock.now()), userAgent: "ua")
            let connection = try RawHTTPConnection(port: proxy.port, timeout: 10)
            defer { connection.close() }
            try connection.send(RawHTTPClient.wire(method: request.method, path: request.url.absoluteString, version: "HTTP/1.\(minorVersion)",
                                                   headers: request.headers + [("Connection", "close")], body: request.body))
            let response = try connection.readResponse(method: request.method)

            XCTAssertEqual(response.status, 200, response.text + "\n" + proxy.log)
            let upstream = HTTPResponse(status: response.status, body: response.body)
            XCTAssertEqual(VolcengineBalanceMapping.reading(try VolcengineBalanceMapping.balance(upstream, now: clock.now(), secrets: [])).uin,
                           "3000000000")
            let received = try XCTUnwrap(simulator.requests.last)
            XCTAssertEqual(received.minorVersion, minorVersion, "\(received.headers)")
            XCTAssertTrue(received.headers["Via"]?.contains("tinyproxy") ?? false, "\(received.headers)")
            XCTAssertEqual(received.headers["Host"], "127.0.0.1:\(endpoint.port ?? 0)")
        }
    }
}

/// A real tinyproxy on 127.0.0.1, in the foreground, stopped at teardown.
private final class Tinyproxy {
    let port: Int
    private let process: Process
    private let directory: URL

    static func start(testCase: XCTestCase) throws -> Tinyproxy {
        let directory = try temporaryDirectory()
        let port = try freeLoopbackPort()
        let config = directory.appendingPathComponent("tinyproxy.conf")
        try """
        Port \(port)
        Listen 127.0.0.1
        Timeout 10
        MaxClients 8
        Allow 127.0.0.1
        LogLevel Info
        LogFile "\(directory.appendingPathComponent("tinyproxy.log").path)"

        """.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = executableOnPath("tinyproxy")
        process.arguments = ["-d", "-c", config.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let proxy = Tinyproxy(port: port, process: process, directory: directory)
        testCase.addTeardownBlock { proxy.stop() }
        // Ready once it accepts a connection.
        let deadline = Date().addingTimeInterval(10)
        while (try? RawHTTPConnection(port: port, timeout: 1))?.close() == nil {
            guard Date() < deadline, process.isRunning else { throw NotStarted(log: proxy.log) }
            usleep(50_000)
        }
        return proxy
    }

    struct NotStarted: Error, CustomStringConvertible {
        var log: String
        var description: String { "tinyproxy did not start: \(log)" }
    }

    private init(port: Int, process: Process, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("tinyproxy.log"), encoding: .utf8)) ?? ""
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
