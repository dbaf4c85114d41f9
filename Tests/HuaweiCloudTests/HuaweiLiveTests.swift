import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud
@testable import BalanceSimulators
@testable import BalanceSupport

/// The Huawei requests over real loopback sockets: through the production
/// `SocketTransport` to the simulator served by the real `HTTPServer` (the
/// Host the transport sends is the one signed), and through a real
/// tinyproxy, which forwards with its own `Via` header.
final class HuaweiLiveTests: XCTestCase {
    private let key = HuaweiCredentials(accessKey: "HPUALIVE0001", secretKey: "live-secret-key", source: "test")
    private let domainId = "0123456789abcdef0123456789abcdef"

    private func cloud(clock: any WallClock) -> HuaweiSimulator {
        let cloud = HuaweiSimulator(clock: clock)
        cloud.setAccount(domainId: domainId, HuaweiSimulatorAccount(name: "acme", entries: [
            .init(accountType: 1, amount: "1234.56"), .init(accountType: 2, amount: "5000", creditAmount: "5000"),
        ], debtAmount: "7.5"))
        cloud.addKey(accessKey: key.accessKey, secretKey: key.secretKey, domainId: domainId)
        return cloud
    }

    func testDomainIdFromIAMThenTheBalanceOverTheSocketTransport() async throws {
        let clock = SystemClock()
        let cloud = cloud(clock: clock)
        let port = try serveOnLoopback(cloud)
        let endpoint = try XCTUnwrap(HTTPURL(string: "http://127.0.0.1:\(port)"))
        let transport = SocketTransport()

        let identityRequest = HuaweiRequest.domains(iamEndpoint: endpoint, credentials: key, userAgent: "balance_exporter/live",
                                                    timestamp: Int(clock.now()))
        let identityAnswer = try await transport.exchange(identityRequest.call, timeout: 5, what: "test")
        let exchange = HuaweiResponse.Exchange(endpoint: endpoint, now: clock.now(), secrets: key.secrets)
        let identity = try HuaweiIdentityResponse.parse(identityAnswer, exchange)
        XCTAssertEqual(identity.domainId, domainId)

        let request = HuaweiRequest.balance(endpoint: endpoint, credentials: key, domainId: identity.domainId,
                                            userAgent: "balance_exporter/live", timestamp: Int(clock.now()))
        let answer = try await transport.exchange(request.call, timeout: 5, what: "test")
        let balance = try HuaweiBalanceMapping.balance(answer, exchange, domainId: identity.domainId)
        XCTAssertEqual(balance.reading.uin, domainId)
        XCTAssertEqual(balance.reading.available, 1234.56)
        XCTAssertEqual(balance.reading.fields.map(\.value), [1234.56, 5000, 5000, 7.5])

        let received = try XCTUnwrap(cloud.requests.last)
        XCTAssertEqual(received.target, "/v2/accounts/customer-accounts/balances")
        XCTAssertEqual(received.headers.filter { $0.name.lowercased() == "host" }.map(\.value), ["127.0.0.1:\(port)"],
                       "the transport sent the signed Host, once")
        XCTAssertEqual(received.headers["X-Domain-Id"], domainId)
    }

    func testARequestForwardedByTinyproxyPassesTheSignatureCheck() throws {
        try requireTools(executables: ["tinyproxy"])
        let cloud = cloud(clock: SystemClock())
        let cloudPort = try serveOnLoopback(cloud)
        let proxyPort = try startTinyproxy()
        let request = HuaweiRequest.balance(endpoint: try XCTUnwrap(HTTPURL(string: "http://127.0.0.1:\(cloudPort)")), credentials: key,
                                            domainId: domainId, userAgent: "balance_exporter/live", timestamp: Int(SystemClock().now()))

        // A plain-HTTP proxy request: absolute-form request line, the signed headers as they are.
        let connection = try RawHTTPConnection(port: proxyPort)
        defer { connection.close() }
        try connection.send(RawHTTPClient.wire(path: request.url.absoluteString,
                                               headers: request.headers + [("Connection", "close")]))
        let response = try connection.readResponse()

        XCTAssertEqual(response.status, 200, response.text)
        let received = try XCTUnwrap(cloud.requests.last)
        XCTAssertTrue(received.headers["Via"]?.contains("tinyproxy") ?? false, "\(received.headers)")
        let answer = HTTPResponse(status: response.status, body: response.body)
        let exchange = HuaweiResponse.Exchange(endpoint: request.url, now: SystemClock().now(), secrets: key.secrets)
        XCTAssertEqual(try HuaweiBalanceMapping.balance(answer, exchange, domainId: domainId).reading.available, 1234.56)
    }

    /// A tinyproxy on 127.0.0.1 in the foreground, stopped at teardown. Returns its port.
    private func startTinyproxy() throws -> Int {
        let directory = try temporaryDirectory()
        let port = try freeLoopbackPort()
        let config = directory.appendingPathComponent("tinyproxy.conf")
        try "Port \(port)\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 10\nLogLevel Error\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = try XCTUnwrap(executableOnPath("tinyproxy"))
        process.arguments = ["-d", "-c", config.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let probe = try? RawHTTPConnection(port: port) {
                probe.close()
                return port
            }
            usleep(50_000)
        }
        throw TinyproxyNotListening(port: port)
    }

    private struct TinyproxyNotListening: Error {
        var port: Int
    }
}
