import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceVolcengine

/// The simulator re-checks every signature on its own code path: the
/// official SDK's requests (the reference vectors, as whole requests) and the
/// exporter's signed requests pass; tampered, stale, unknown-key, expired-token
/// requests get Volcengine's own error envelopes and statuses.
final class VolcengineSimulatorTests: XCTestCase {
    private let accessKey = "AKLTEXAMPLEACCESSKEYID0000"
    private let secretKey = "EXAMPLESECRETACCESSKEY0000=="
    private let docAccount = VolcengineSimulator.Account(accountID: .number(2100000000), availableBalance: "77.01", cashBalance: "83.01",
                                                         creditLimit: "0.01", arrearsBalance: "1.01", freezeAmount: "5.01")

    private func simulator(at now: Double = 1_800_000_000) -> (VolcengineSimulator, TestClock) {
        let clock = TestClock(now: now)
        let simulator = VolcengineSimulator(clock: clock)
        simulator.setAccount("main", docAccount)
        simulator.addKey(accessKeyId: accessKey, secretAccessKey: secretKey, account: "main")
        return (simulator, clock)
    }

    private var permanent: VolcengineCredentials {
        VolcengineCredentials(accessKeyId: accessKey, secretAccessKey: secretKey, source: "test")
    }

    private func signed(_ credentials: VolcengineCredentials? = nil, at timestamp: Int = 1_800_000_000,
                        host: String = "http://127.0.0.1:8080") -> HTTPRequest {
        let request = VolcengineRequest.queryBalance(endpoint: HTTPURL(string: host)!, region: "cn-beijing",
                                                     credentials: credentials ?? permanent, timestamp: timestamp, userAgent: "test")
        return httpRequest(request)
    }

    private func httpRequest(_ request: VolcengineRequest) -> HTTPRequest {
        HTTPRequest(method: request.method, target: "\(request.path)?\(request.query)",
                    headers: HTTPHeaders(request.headers), body: request.body)
    }

    private func code(_ response: HTTPResponse) -> String? {
        JSONValue.parse(response.body)?["ResponseMetadata"]?["Error"]?["Code"]?.string
    }

    private func assertRejected(_ response: HTTPResponse, _ code: String, _ status: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(self.code(response), code, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(response.status, status, file: file, line: line)
    }

    private func reading(_ response: HTTPResponse) throws -> BalanceReading {
        let upstream = HTTPResponse(status: response.status, body: response.body)
        return VolcengineBalanceMapping.reading(try VolcengineBalanceMapping.balance(upstream, now: 0, secrets: []))
    }

    // MARK: The reference vectors, as whole requests

    /// The three requests the official SDK signed (volcenginesdk-core 5.0.54 `SignerV4.sign`, the signer
    /// tests' vectors) are accepted as they are, and refused once a signed part changes.
    func testTheOfficialSDKsRequestsAreAcceptedAndRefusedWhenChanged() throws {
        let braceSHA = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        let emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let token = "STSeyJFeGFtcGxlIjoidG9rZW4ifQ=="
        let vectors: [(now: Double, request: HTTPRequest)] = [
            (1767323045, HTTPRequest(method: "POST", target: "/?Action=QueryBalanceAcct&Version=2022-01-01", headers: [
                ("Host", "open.volcengineapi.com"), ("Content-Type", "application/json"), ("X-Date", "20260102T030405Z"),
                ("X-Content-Sha256", braceSHA),
                ("Authorization", "HMAC-SHA256 Credential=AKLTEXAMPLEACCESSKEYID0000/20260102/cn-beijing/billing/request, SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=613a230fcb9dd7dccfd94cf1e5b4c0faea7975de0bfb195809db9d16a457d20a"),
            ], body: Array("{}".utf8))),
            (1767225599, HTTPRequest(method: "GET", target: "/?Version=2022-01-01&Action=QueryBalanceAcct", headers: [
                ("Host", "billing.volcengineapi.com"), ("X-Date", "20251231T235959Z"), ("X-Content-Sha256", emptySHA),
                ("Authorization", "HMAC-SHA256 Credential=AKLTEXAMPLEACCESSKEYID0000/20251231/cn-north-1/billing/request, SignedHeaders=host;x-content-sha256;x-date, Signature=a01b5cae05f21e3108ef35ba05389c72482997e8f8acc73bcf27e1a2938efde8"),
            ])),
            (1772280000, HTTPRequest(method: "POST", target: "/?Action=QueryBalanceAcct&Version=2022-01-01", headers: [
                ("Host", "127.0.0.1:18443"), ("Content-Type", "application/json; charset=utf-8"), ("X-Date", "20260228T120000Z"),
                ("X-Content-Sha256", braceSHA), ("X-Security-Token", token),
                ("Authorization", "HMAC-SHA256 Credential=AKTPEXAMPLESTSACCESSKEY000/20260228/cn-beijing/billing/request, SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token, Signature=e8810fa1890cdc0ef2d61e7ccab8514090c6c7ad9aeea3121a62c406a400b533"),
            ], body: Array("{}".utf8))),
        ]
        for (now, request) in vectors {
            let (simulator, _) = simulator(at: now)
            simulator.addTemporaryKey(accessKeyId: "AKTPEXAMPLESTSACCESSKEY000", secretAccessKey: "STSSECRETEXAMPLE/+=", sessionToken: token,
                                      expiresAt: now + 3600, account: "main")
            let response = simulator.handle(request)
            XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
            XCTAssertEqual(try reading(response).uin, "2100000000")

            var otherHost = request
            otherHost.headers[0].value = "evil.example"
            assertRejected(simulator.handle(otherHost), "SignatureDoesNotMatch", 401)
            let otherQuery = HTTPRequest(method: request.method, target: request.target + "&Extra=1", headers: request.headers, body: request.body)
            assertRejected(simulator.handle(otherQuery), "SignatureDoesNotMatch", 401)
            var otherMethod = request
            otherMethod.method = request.method == "GET" ? "POST" : "GET"
            assertRejected(simulator.handle(otherMethod), "SignatureDoesNotMatch", 401)
        }
    }

    // MARK: The exporter's requests

    func testASignedRequestReadsEveryFieldAndIsRecorded() throws {
        let (simulator, _) = simulator()
        simulator.updateAccount("main") { $0.currency = "CNY" }
        let request = signed()
        let response = simulator.handle(request)
        XCTAssertEqual(response.status, 200)
        let json = try XCTUnwrap(JSONValue.parse(response.body))
        XCTAssertEqual(json["ResponseMetadata"]?["RequestId"]?.string, "sim-volcengine-1")
        XCTAssertEqual(json["ResponseMetadata"]?["Action"]?.string, "QueryBalanceAcct")
        XCTAssertEqual(json["ResponseMetadata"]?["Region"]?.string, "cn-beijing")
        XCTAssertEqual(json["Result"]?["Currency"]?.string, "CNY")
        XCTAssertEqual(try reading(response), BalanceReading(uin: "2100000000", available: 77.01, fields: [
            FieldSample(VolcengineMetrics.availableBalance, 77.01), FieldSample(VolcengineMetrics.cashBalance, 83.01),
            FieldSample(VolcengineMetrics.creditLimit, 0.01), FieldSample(VolcengineMetrics.arrearsBalance, 1.01),
            FieldSample(VolcengineMetrics.freezeAmount, 5.01),
        ], currency: "CNY"))
        XCTAssertEqual(simulator.requests, [request])
    }

    func testRawFieldTextsAreSentVerbatim() throws {
        let (simulator, _) = simulator()
        simulator.setAccount("main", .init(accountID: "3000000000", availableBalance: "-1,234.50", cashBalance: .null,
                                           creditLimit: .json("12.5"), freezeAmount: .json("true")))
        let response = simulator.handle(signed())
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self).components(separatedBy: #""Result":"#).last,
                       #"{"AccountID":"3000000000","AvailableBalance":"-1,234.50","CashBalance":null,"CreditLimit":12.5,"FreezeAmount":true}}"#)
    }

    func testTamperedStaleAndUnknownRequestsGetVolcenginesErrors() {
        let (simulator, _) = simulator()
        var body = signed()
        body.body = Array(#"{"x":1}"#.utf8)
        assertRejected(simulator.handle(body), "SignatureDoesNotMatch", 401)
        var contentHash = signed()
        contentHash.body = Array(#"{"x":1}"#.utf8)
        contentHash.headers.replace("X-Content-Sha256", with: Hex.encode(SHA256.hash(contentHash.body)))
        assertRejected(simulator.handle(contentHash), "SignatureDoesNotMatch", 401)
        var contentType = signed()
        contentType.headers[1].value = "text/plain"
        assertRejected(simulator.handle(contentType), "SignatureDoesNotMatch", 401)

        assertRejected(simulator.handle(signed(VolcengineCredentials(accessKeyId: accessKey, secretAccessKey: "guess", source: "t"))),
                       "SignatureDoesNotMatch", 401)
        assertRejected(simulator.handle(signed(VolcengineCredentials(accessKeyId: "AKLTunknown", secretAccessKey: secretKey, source: "t"))),
                       "InvalidAccessKey", 401)
        assertRejected(simulator.handle(signed(at: 1_800_000_000 - 901)), "InvalidTimestamp", 400)
        assertRejected(simulator.handle(signed(at: 1_800_000_000 + 901)), "InvalidTimestamp", 400)
        XCTAssertEqual(simulator.handle(signed(at: 1_800_000_000 - 900)).status, 200)
        XCTAssertEqual(simulator.handle(signed(at: 1_800_000_000 + 900)).status, 200)

        var unsigned = signed()
        unsigned.headers.remove("Authorization")
        assertRejected(simulator.handle(unsigned), "MissingAuthenticationToken", 401)
        var undated = signed()
        undated.headers.remove("X-Date")
        assertRejected(simulator.handle(undated), "MissingRequestInfo", 400)
        var malformed = signed()
        malformed.headers.replace("Authorization", with: "HMAC-SHA256 Signature=00")
        assertRejected(simulator.handle(malformed), "InvalidAuthorization", 400)

        let sts = VolcengineRequest.make(method: "POST", endpoint: HTTPURL(string: "http://127.0.0.1:8080")!, region: "cn-beijing",
                                         service: "sts", query: [("Action", "QueryBalanceAcct"), ("Version", "2022-01-01")],
                                         contentType: "application/json", body: Array("{}".utf8), credentials: permanent,
                                         timestamp: 1_800_000_000, userAgent: "t")
        assertRejected(simulator.handle(httpRequest(sts)), "SignatureDoesNotMatch", 401)
        let unknownAction = VolcengineRequest.make(method: "POST", endpoint: HTTPURL(string: "http://127.0.0.1:8080")!, region: "cn-beijing",
                                                   service: "billing", query: [("Action", "ListBill"), ("Version", "2022-01-01")],
                                                   contentType: "application/json", body: [], credentials: permanent,
                                                   timestamp: 1_800_000_000, userAgent: "t")
        assertRejected(simulator.handle(httpRequest(unknownAction)), "InvalidActionOrVersion", 404)
    }

    /// The scheme has no nonce: a signature is good while its X-Date is within 900 s of the server's clock, and only then.
    func testAReplayIsAcceptedWithinTheWindowOnly() {
        let (simulator, clock) = simulator()
        let request = signed()
        XCTAssertEqual(simulator.handle(request).status, 200)
        clock.advance(by: 900)
        XCTAssertEqual(simulator.handle(request).status, 200)
        clock.advance(by: 1)
        assertRejected(simulator.handle(request), "InvalidTimestamp", 400)
    }

    func testTemporaryKeysNeedTheirSignedTokenUntilTheyExpire() {
        let (simulator, clock) = simulator()
        simulator.addTemporaryKey(accessKeyId: "AKTPtemp", secretAccessKey: "temp-secret", sessionToken: "STStoken",
                                  expiresAt: 1_800_000_600, account: "main")
        let temporary = VolcengineCredentials(accessKeyId: "AKTPtemp", secretAccessKey: "temp-secret", sessionToken: "STStoken", source: "t")
        XCTAssertEqual(simulator.handle(signed(temporary)).status, 200)
        var noToken = temporary
        noToken.sessionToken = nil
        assertRejected(simulator.handle(signed(noToken)), "InvalidSecretToken", 401)
        var wrongToken = temporary
        wrongToken.sessionToken = "STSother"
        assertRejected(simulator.handle(signed(wrongToken)), "InvalidSecretToken", 401)
        clock.advance(by: 600)
        assertRejected(simulator.handle(signed(temporary, at: 1_800_000_600)), "InvalidSecretToken", 401)
        simulator.addTemporaryKey(accessKeyId: "AKTPtemp", secretAccessKey: "temp-secret", sessionToken: "STStoken",
                                  expiresAt: 1_800_003_600, account: "main")
        XCTAssertEqual(simulator.handle(signed(temporary, at: 1_800_000_600)).status, 200)
        simulator.revokeToken(accessKeyId: "AKTPtemp")
        assertRejected(simulator.handle(signed(temporary, at: 1_800_000_600)), "InvalidSecretToken", 401)
    }

    func testPermissionRateLimitAndMissingAccount() {
        let (simulator, clock) = simulator()
        simulator.addKey(accessKeyId: "AKLTbills", secretAccessKey: "s", account: "main", permissions: [.assumeRole])
        let denied = simulator.handle(signed(VolcengineCredentials(accessKeyId: "AKLTbills", secretAccessKey: "s", source: "t")))
        assertRejected(denied, "AccessDenied", 403)
        XCTAssertTrue(String(decoding: denied.body, as: UTF8.self).contains("billing:QueryBalanceAcct"))

        simulator.setRateLimit(requestsPerSecond: 2)
        XCTAssertEqual(simulator.handle(signed()).status, 200)
        XCTAssertEqual(simulator.handle(signed()).status, 200)
        assertRejected(simulator.handle(signed()), "FlowLimitExceeded", 429)
        clock.advance(by: 1)
        XCTAssertEqual(simulator.handle(signed(at: 1_800_000_001)).status, 200)
        simulator.setRateLimit(requestsPerSecond: nil)

        simulator.addKey(accessKeyId: "AKLTnobody", secretAccessKey: "s", account: "gone")
        assertRejected(simulator.handle(signed(VolcengineCredentials(accessKeyId: "AKLTnobody", secretAccessKey: "s", source: "t"),
                                               at: 1_800_000_001)), "RecordNoFound", 400)
    }

    func testScriptedFaultsComeFirstInOrderThenTheRealAnswer() throws {
        let (simulator, _) = simulator()
        simulator.enqueueFaults([.error(code: "InternalError", status: 500, message: "boom"), .throttled(retryAfter: "12"),
                                 .httpStatus(502), .httpStatus(429), .garbage, .truncatedJSON])
        let error = simulator.handle(signed())
        assertRejected(error, "InternalError", 500)
        XCTAssertEqual(JSONValue.parse(error.body)?["ResponseMetadata"]?["Error"]?["CodeN"]?.number?.int64, 100014)
        let throttled = simulator.handle(signed())
        assertRejected(throttled, "FlowLimitExceeded", 429)
        XCTAssertEqual(throttled.headers.first(where: { $0.name == "Retry-After" })?.value, "12")
        for status in [502, 429] {
            let gateway = simulator.handle(signed())
            XCTAssertEqual(gateway.status, status)
            XCTAssertNil(JSONValue.parse(gateway.body))
        }
        let garbage = simulator.handle(signed())
        XCTAssertEqual(garbage.status, 200)
        XCTAssertNil(JSONValue.parse(garbage.body))
        let truncated = simulator.handle(signed())
        XCTAssertEqual(truncated.status, 200)
        XCTAssertNil(JSONValue.parse(truncated.body))
        XCTAssertEqual(truncated.body.first, UInt8(ascii: "{"))
        XCTAssertEqual(simulator.handle(signed()).status, 200)
        XCTAssertEqual(simulator.requestCount, 7)
    }

    // MARK: STS

    func testAssumeRoleIssuesKeysThatReadTheRolesAccountUntilTheyExpire() throws {
        let (simulator, clock) = simulator()
        simulator.setAccount("customer", .init(accountID: .number(2200000000), availableBalance: "5.00"))
        simulator.addRole(trn: "trn:iam::2200000000:role/reader", account: "customer")
        let role = VolcengineRole(trn: "trn:iam::2200000000:role/reader", sessionName: "balance-exporter", durationSeconds: 900)
        let assume = VolcengineRequest.assumeRole(endpoint: HTTPURL(string: "http://127.0.0.1:8081")!, region: "cn-beijing", role: role,
                                                  credentials: permanent, timestamp: 1_800_000_000, userAgent: "t")
        let answer = simulator.handle(httpRequest(assume))
        XCTAssertEqual(answer.status, 200, String(decoding: answer.body, as: UTF8.self))
        let temporary = try VolcengineAssumeRole.credentials(HTTPResponse(status: answer.status, body: answer.body), role: role,
                                                             now: clock.now(), secrets: [])
        XCTAssertEqual(temporary.expiresAt, 1_800_000_900)
        XCTAssertEqual(JSONValue.parse(answer.body)?["Result"]?["Credentials"]?["ExpiredTime"]?.string, "2027-01-15T16:15:00+08:00")
        XCTAssertEqual(simulator.issuedCount, 1)

        XCTAssertEqual(try reading(simulator.handle(signed(temporary))).uin, "2200000000")
        clock.advance(by: 900)
        assertRejected(simulator.handle(signed(temporary, at: 1_800_000_900)), "InvalidSecretToken", 401)
    }

    func testAssumeRoleDurationsAreClampedAsDocumentedAndUnknownRolesDenied() throws {
        let (simulator, _) = simulator()
        simulator.addRole(trn: "trn:iam::2200000000:role/reader", account: "main")
        func expiry(_ duration: Int, trn: String = "trn:iam::2200000000:role/reader") -> HTTPResponse {
            let role = VolcengineRole(trn: trn, sessionName: "s", durationSeconds: duration)
            return simulator.handle(httpRequest(.assumeRole(endpoint: HTTPURL(string: "http://127.0.0.1:8081")!, region: "cn-north-1",
                                                            role: role, credentials: permanent, timestamp: 1_800_000_000, userAgent: "t")))
        }
        for (asked, granted) in [(600, 3600.0), (3600, 3600), (43200, 43200), (50000, 43200)] {
            let response = expiry(asked)
            let credentials = try VolcengineAssumeRole.credentials(HTTPResponse(status: response.status, body: response.body),
                                                                   role: VolcengineRole(trn: "t", sessionName: "s"), now: 0, secrets: [])
            XCTAssertEqual(credentials.expiresAt, 1_800_000_000 + granted, "\(asked)")
        }
        assertRejected(expiry(3600, trn: "trn:iam::2200000000:role/other"), "AccessDenied", 403)
        simulator.enqueueFaults([.error(code: "InternalError", status: 500, message: "sts down")], for: .assumeRole)
        assertRejected(expiry(3600), "InternalError", 500)
        XCTAssertEqual(simulator.handle(signed()).status, 200, "a fault for one action leaves the other alone")
    }

    // MARK: Proxies

    /// tinyproxy forwards as HTTP/1.0 and adds `Via`: the simulator accepts that as is.
    func testAnHTTP10RequestWithViaFromAProxyIsAccepted() {
        let (simulator, _) = simulator()
        let request = signed()
        let forwarded = HTTPRequest(method: request.method, target: request.target, minorVersion: 0,
                                    headers: request.headers + [(name: "Via", value: "1.1 proxy (tinyproxy/1.11.1)"), (name: "Connection", value: "close")],
                                    body: request.body)
        XCTAssertEqual(simulator.handle(forwarded).status, 200)
    }
}
