import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceTencentCloud

/// The Tencent Cloud provider over real loopback sockets, through the
/// production `SocketTransport`, against the simulators served by the
/// real `HTTPServer`. The in-process tests (TencentCloudClientTests) cover
/// the logic; these prove the bytes on the wire: the Host header the transport
/// sends is the one signed, headers survive the transport, and every transport fault
/// becomes the reason an operator should see.
final class LiveTencentCloudTests: XCTestCase {
    typealias World = LiveTencentWorld

    // MARK: Success over the wire

    func testSuccessOverLoopbackMapsEveryFieldAndSignsTheHostWithItsPort() async throws {
        let world = try World(self)
        let context = ProviderContext(transport: SocketTransport(), clock: world.clock, logger: .discard,
                                      environment: [:], userAgent: "balance_exporter/live-test")
        let client = try TencentCloud.schema.make(world.account(["temp_credit": .bool(true)]), context)

        let reading = try await client.fetchBalance()

        XCTAssertEqual(reading.uin, "100000000001")
        XCTAssertEqual(reading.available, 1234567.0)
        let credit = [Label("credit", "2026-11-16T00:00:00+08:00")]
        XCTAssertEqual(reading.fields, [
            FieldSample(TencentMetrics.balance, 1234567.89), FieldSample(TencentMetrics.realBalance, 1234567.0),
            FieldSample(TencentMetrics.cashAccountBalance, 1234566.0), FieldSample(TencentMetrics.incomeIntoAccountBalance, 0.12),
            FieldSample(TencentMetrics.presentAccountBalance, 0.5), FieldSample(TencentMetrics.freezeAmount, 19.99),
            FieldSample(TencentMetrics.oweAmount, 0.07), FieldSample(TencentMetrics.creditAmount, 10000),
            FieldSample(TencentMetrics.creditBalance, 9999.99), FieldSample(TencentMetrics.realCreditBalance, 9999.98),
            FieldSample(TencentMetrics.tempCredit, 1500), FieldSample(TencentMetrics.isAllowArrears, 1),
            FieldSample(TencentMetrics.isCreditLimited, 0),
            FieldSample(TencentMetrics.tempCreditAmount, 1500, labels: credit),
            FieldSample(TencentMetrics.tempCreditStart, 1794758400, labels: credit),
            FieldSample(TencentMetrics.tempCreditEnd, 1794758400 + 30 * 86400 + 86399, labels: credit),
        ])

        // The simulator recomputed the signature from the headers it received:
        // the success above proves the transport sent the signed Host. Check it is the
        // real port, sent exactly once, and the other signed headers arrived intact.
        let received = try XCTUnwrap(world.billing.requests.last)
        XCTAssertEqual(received.headers.filter { $0.name.lowercased() == "host" }.map(\.value), ["127.0.0.1:\(world.billingPort)"])
        XCTAssertEqual(received.headers.filter { $0.name.lowercased() == "content-type" }.map(\.value), ["application/json"])
        XCTAssertEqual(received.headers["X-TC-Action"], "DescribeAccountBalance")
        XCTAssertEqual(received.headers["User-Agent"], "balance_exporter/live-test")
        XCTAssertEqual(received.body, Array(#"{"TempCredit":true}"#.utf8))
    }

    func testUinSentAsAStringOverLoopback() async throws {
        let world = try World(self)
        world.billing.setAccount("main", SimulatedTencentAccount(uin: .string("200000000002"), balance: 4200, realBalance: 4100))
        let reading = try await world.client(world.account()).fetchBalance()
        XCTAssertEqual(reading.uin, "200000000002")
        XCTAssertEqual(reading.available, 41)
        XCTAssertEqual(reading.fields, [FieldSample(TencentMetrics.balance, 42), FieldSample(TencentMetrics.realBalance, 41)])
    }

    func testAssumeRoleOverLoopbackSignsBothHostsAndUsesTheTemporaryToken() async throws {
        let world = try World(self)
        let client = try world.client(world.account(["role_arn": .string(World.roleArn)]))

        let reading = try await client.fetchBalance()
        _ = try await client.fetchBalance()

        XCTAssertEqual(reading.uin, "100000000001")
        XCTAssertEqual(world.sts.requestCount, 1, "the role's credentials are cached across fetches")
        let stsRequest = try XCTUnwrap(world.sts.requests.first)
        XCTAssertEqual(stsRequest.headers["Host"], "127.0.0.1:\(world.stsPort)")
        XCTAssertEqual(stsRequest.headers["X-TC-Action"], "AssumeRole")
        let billingRequest = try XCTUnwrap(world.billing.requests.last)
        XCTAssertEqual(billingRequest.headers["X-TC-Token"], "sts-token-1")
        XCTAssertEqual(billingRequest.headers["Authorization"]?.contains("Credential=AKIDsts1/"), true)
    }

    func testInstanceRoleFromTheMetadataServiceOverLoopback() async throws {
        let world = try World(self)
        let client = try world.client(world.account(["secret_id": nil, "secret_key": nil]))

        let reading = try await client.fetchBalance()

        XCTAssertEqual(reading.available, 1234567.0)
        XCTAssertEqual(world.metadata.requests.map(\.path), [
            "/latest/meta-data/cam/security-credentials/",
            "/latest/meta-data/cam/security-credentials/\(World.instanceRole)",
        ])
        XCTAssertEqual(world.billing.requests.last?.headers["X-TC-Token"], "cvm-token-1")
    }

    // MARK: Upstream errors

    func testEveryUpstreamErrorClassMapsToItsReasonOverLoopback() async throws {
        let world = try World(self)
        let client = try world.client(world.account())
        let cases: [(SimulatedTencentFault, FailureReason, String?)] = [
            (.error(code: "AuthFailure.SecretIdNotFound", message: "The SecretId is not found."), .auth, "AuthFailure.SecretIdNotFound"),
            (.error(code: "UnauthorizedOperation.CamNoAuth", message: "no billing:DescribeAccountBalance"), .permission,
             "UnauthorizedOperation.CamNoAuth"),
            (.error(code: "AuthFailure.SignatureExpire", message: "Signature expired."), .clock, "AuthFailure.SignatureExpire"),
            (.error(code: "RequestLimitExceeded", message: "slow down"), .throttled, "RequestLimitExceeded"),
            (.error(code: "InternalError", message: "internal error"), .upstream_error, "InternalError"),
            (.httpStatus(502), .http_status, nil),
            (.httpStatus(503), .http_status, nil),
            (.nonJSON, .bad_response, nil),
            (.truncatedJSON, .bad_response, nil),
        ]
        for (fault, reason, code) in cases {
            world.billing.enqueueFaults([fault])
            let error = await client.liveFailure()
            XCTAssertEqual(error?.reason, reason, "\(fault)")
            XCTAssertEqual(error?.code, code, "\(fault)")
        }
        // Faults are consumed one per request: the next fetch succeeds again.
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 1234567.0)
    }

    func testAWrongSecretKeyIsAnAuthFailureFromTheSimulatorsOwnVerification() async throws {
        let world = try World(self)
        let client = try world.client(world.account(["secret_key": .string("not-the-key")]))
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "AuthFailure.SignatureFailure")
        XCTAssertNotNil(error?.requestID)
    }

    func testAHostClockTenMinutesOffIsAClockFailure() async throws {
        let world = try World(self)
        let skewed = TestClock(now: world.clock.now() + 600)
        let context = ProviderContext(transport: SocketTransport(), clock: skewed, logger: .discard,
                                      environment: [:], userAgent: "balance_exporter/live-test")
        let client = try TencentCloud.schema.make(world.account(), context)
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .clock)
        XCTAssertEqual(error?.code, "AuthFailure.SignatureExpire")
    }

    // MARK: Transport faults

    func testConnectionRefusedIsANetworkFailure() async throws {
        let world = try World(self)
        let port = try liveClosedPort()
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(port)"))
        let started = Date()
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .network)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "a refused connection fails at once, not after the timeout")
        XCTAssertEqual(error?.message, "DescribeAccountBalance to 127.0.0.1:\(port) failed: network error: connection refused",
                       "names the upstream by host and port")
    }

    func testAnUnansweredAssumeRoleNamesTheSTSHostAndPortButNoPath() async throws {
        let world = try World(self)
        let port = try liveClosedPort()
        let client = try world.client(world.account(["role_arn": .string(World.roleArn),
                                                     "sts_endpoint": .string("http://127.0.0.1:\(port)/some/path")]))
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .network)
        XCTAssertEqual(error?.message.contains("to 127.0.0.1:\(port) failed"), true, error?.message ?? "")
        XCTAssertEqual(error?.message.contains("/some/path"), false)
    }

    // MARK: Throttling and bounds

    func testHTTP429IsThrottlingAndItsRetryAfterReachesTheEngine() async throws {
        let world = try World(self)
        let retryAt = world.clock.now() + 90
        let days = Int(retryAt / 86_400), second = Int(retryAt) % 86_400
        let (year, month, day) = CivilTime.civil(fromDays: days)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days % 7]
        let httpDate = "\(weekday), \(CivilTime.pad(day, 2)) \(months[month - 1]) \(year) \(CivilTime.time(secondOfDay: second)) GMT"
        for (header, seconds) in [("120", 120.0), (httpDate, 90)] {
            let port = try serveOnLoopback { _ in .text(429, "Too Many Requests", headers: [("Retry-After", header)]) }
            let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(port)"))
            let error = await client.liveFailure()
            XCTAssertEqual(error?.reason, .throttled, header)
            XCTAssertEqual(error?.retryAfter, seconds, header)
        }
    }

    func testUpstreamCodesRequestIDsAndMessagesAreBoundedAfterScrubbing() async throws {
        let world = try World(self)
        let code = String(repeating: "C", count: 100_000)
        let requestID = String(repeating: "r", count: 90) + World.secretKey + String(repeating: "r", count: 800_000)
        let body = #"{"Response":{"Error":{"Code":"\#(code)","Message":"m"},"RequestId":"\#(requestID)"}}"#
        let port = try serveOnLoopback { _ in HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8)) }
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(port)"))
        let failure = await client.liveFailure()
        let error = try XCTUnwrap(failure)
        XCTAssertEqual(error.reason, .upstream_error)
        XCTAssertEqual(error.code, String(repeating: "C", count: UpstreamText.maxIdentifier) + "…")
        XCTAssertEqual(error.requestID, String(repeating: "r", count: 90) + "<redacted>…")

        let empty = #"{"Response":{"Error":{"Code":"InternalError","Message":"m"},"RequestId":""}}"#
        let emptyPort = try serveOnLoopback { _ in HTTPResponse(status: 200, body: Array(empty.utf8)) }
        let second = try await world.client(world.account(endpoint: "http://127.0.0.1:\(emptyPort)")).liveFailure()
        XCTAssertNil(second?.requestID, "an empty RequestId is none, not request_id=\"\"")
    }

    func testAnUnresolvableHostIsANetworkFailure() async throws {
        // `.invalid` never resolves (RFC 6761 §6.4), but glibc would still ask
        // the configured DNS server: only run where that server is on loopback.
        try XCTSkipUnless(liveResolverIsLoopbackOnly(), "the resolver would query a DNS server off this host")
        let world = try World(self)
        let client = try world.client(world.account(endpoint: "http://nonexistent.invalid:1/"))
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .network)
    }

    func testAnUpstreamSlowerThanTheRequestTimeoutIsATimeout() async throws {
        let world = try World(self)
        let port = try serveNeverAnswering()
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(port)", timeout: 0.5))
        let started = Date()
        let error = await client.liveFailure()
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(error?.reason, .timeout)
        XCTAssertGreaterThanOrEqual(elapsed, 0.4)
        XCTAssertLessThan(elapsed, 2.5, "request_timeout 0.5 s must bound the wait")
    }

    func testABodyThatTricklesIsCutAtTheRequestTimeout() async throws {
        let world = try World(self)
        // A valid answer, one byte every 50 ms: about 8 s in all, unless cut.
        let body = Array(TencentCloudSimulator.balanceBody(World.fullAccount, tempCredit: false, requestID: "trickle").utf8)
        let upstream = try LiveTrickleServer(trickling: body, interval: 0.05, bound: 10)
        addTeardownBlock { upstream.stop() }
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(upstream.port)", timeout: 0.5))
        let started = Date()
        let error = await client.liveFailure()
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(error?.reason, .timeout)
        XCTAssertLessThan(elapsed, 2.5, "request_timeout bounds the whole exchange, not only the wait between bytes")
        XCTAssertGreaterThan(upstream.bodyBytesSent, 0, "the upstream did start sending")
    }

    func testABodyLargerThanTheTransportCapIsABadResponse() async throws {
        let world = try World(self)
        let huge = HTTPResponse(status: 200, headers: [("Content-Type", "application/json")],
                                body: Array("{\"Response\":{\"Pad\":\"".utf8) + [UInt8](repeating: 0x61, count: 2 << 20) + Array("\"}}".utf8))
        let port = try serveOnLoopback { _ in huge }
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(port)"))
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .bad_response)
        XCTAssertEqual(error?.message.contains("larger than \(1 << 20) bytes"), true, error?.message ?? "")
    }

    func testAnEndlessBodyIsCutAtTheCapNotBufferedWhole() async throws {
        let world = try World(self)
        // Up to 512 MiB with no Content-Length, as fast as it is read.
        let upstream = try LiveTrickleServer(endlessPieces: 8192, of: 64 << 10, bound: 10)
        addTeardownBlock { upstream.stop() }
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(upstream.port)", timeout: 5))
        let started = Date()
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .bad_response)
        XCTAssertEqual(error?.message.contains("larger than \(1 << 20) bytes"), true, error?.message ?? "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5, "refused as soon as the cap is passed")
        XCTAssertLessThan(upstream.bodyBytesSent, 64 << 20, "the transport stopped reading soon after the 1 MiB cap")
    }

    func testADeclaredLengthOverTheCapIsRefusedBeforeTheBodyArrives() async throws {
        let world = try World(self)
        // 64 MiB announced, then 1 KiB every 50 ms: reading it would hit the timeout instead.
        let upstream = try LiveTrickleServer(declaring: 64 << 20, interval: 0.05, bound: 10)
        addTeardownBlock { upstream.stop() }
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(upstream.port)", timeout: 2))
        let started = Date()
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .bad_response)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
    }

    func testCancellingAFetchEndsItAtOnce() async throws {
        let world = try World(self)
        let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
        let port = try serveNeverAnswering(arrivals: arrived)
        let client = try world.client(world.account(endpoint: "http://127.0.0.1:\(port)", timeout: 5))
        let fetch = Task { await client.liveFailure() }
        var iterator = arrivals.makeAsyncIterator()
        _ = await iterator.next()  // the request reached the upstream
        let started = Date()
        fetch.cancel()
        let error = await fetch.value
        XCTAssertEqual(error?.reason, .network)
        XCTAssertEqual(error?.message.contains("cancelled"), true, error?.message ?? "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "cancellation does not wait for the 5 s timeout")
    }
}
