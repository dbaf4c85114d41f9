import BalanceTestSupport
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// The Alibaba simulator checks signatures on its own code path: requests
/// built by the client's signer are accepted, tampered, replayed, stale and
/// unknown ones are refused with the gateway's codes, which the client's
/// parsers classify as the operator needs. The reference page's vectors are
/// replayed as whole requests.
final class AlibabaSimulatorTests: XCTestCase {
    static let uid = "1968132000120001"
    static let keyID = "LTAI5tSimulatorKey01"
    static let secret = "simulator-SECRET-5d1e"
    static let credentials = AlibabaCredentials(accessKeyId: keyID, accessKeySecret: secret, source: "test")

    private var clock = TestClock()
    private var gateway = AlibabaSimulator(clock: TestClock())
    private var nonces = AlibabaSeededRandom(seed: 1)
    private let endpoint = AlibabaEndpoint("http://127.0.0.1:8080")!

    override func setUp() {
        clock = TestClock()
        gateway = AlibabaSimulator(clock: clock)
        gateway.setAccount(Self.uid, AlibabaSimulatorAccount(
            availableAmount: "1,234.56", availableCashAmount: "-11.19", creditAmount: "5000.00", mybankCreditAmount: "0.00",
            quotaLimit: "10000.00", currency: "CNY"))
        gateway.addKey(id: Self.keyID, secret: Self.secret, account: Self.uid)
    }

    // MARK: Helpers

    private func build(_ api: AlibabaAPI = .queryAccountBalance, credentials: AlibabaCredentials = credentials,
                       timestamp: Int? = nil, query: [(name: String, value: String)] = []) -> AlibabaRequest {
        AlibabaRequest.make(endpoint: endpoint, api: api, query: query, credentials: credentials,
                            timestamp: timestamp ?? Int(clock.now()), nonce: AlibabaNonce.make(using: &nonces), userAgent: "balance_exporter/test")
    }

    /// The request as the transport puts it on the wire and the server parses it.
    private func wire(_ request: AlibabaRequest) -> HTTPRequest {
        request.call.request
    }

    private func send(_ request: HTTPRequest) -> HTTPResponse {
        gateway.handle(request)
    }

    private func send(_ request: AlibabaRequest) -> HTTPResponse { send(wire(request)) }

    private func code(_ response: HTTPResponse) -> String? {
        JSONValue.parse(response.body)?["Code"]?.string
    }

    private func balanceFailure(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) -> ProviderError? {
        do {
            let balance = try AlibabaBalance.parse(response, now: clock.now(), removing: [Self.secret])
            XCTFail("expected a failure, got \(balance)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Accepted

    func testSignedBalanceRequestIsAnsweredWithTheAccountsFields() throws {
        let response = send(build())
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        let balance = try AlibabaBalance.parse(response, now: clock.now(), removing: [Self.secret])
        XCTAssertEqual(balance.currency, "CNY")
        let reading = AlibabaBalanceMapping.reading(balance, uin: nil)
        XCTAssertEqual(reading.available, 1234.56)
        XCTAssertEqual(reading.fields.map(\.value), [1234.56, -11.19, 5000, 0, 10000])
        XCTAssertEqual(balance.requestID, response.headers["x-acs-request-id"])
        XCTAssertEqual(gateway.requests.count, 1)
        XCTAssertEqual(gateway.requests.first?.headers["x-acs-action"], "QueryAccountBalance")
    }

    func testRawNullAndAbsentFieldsAreSentAsScripted() throws {
        gateway.updateAccount(Self.uid) { account in
            account.availableAmount = "-1,000,000.01"
            account.creditAmount = nil
            account.nullFields = ["QuotaLimit", "Currency"]
            account.rawFields = ["MybankCreditAmount": "12.5", "AvailableCashAmount": #""n/a""#]
        }
        let response = send(build())
        let data = try XCTUnwrap(JSONValue.parse(response.body)?["Data"])
        XCTAssertEqual(data["AvailableAmount"], .string("-1,000,000.01"))
        XCTAssertNil(data["CreditAmount"])
        XCTAssertEqual(data["QuotaLimit"], .null)
        XCTAssertEqual(data["MybankCreditAmount"]?.number?.literal, "12.5")
        XCTAssertEqual(balanceFailure(response)?.message, #"QueryAccountBalance: Data.AvailableCashAmount is not a decimal amount: "n/a""#)
        gateway.updateAccount(Self.uid) { $0.rawFields = [:] }
        let reading = AlibabaBalanceMapping.reading(try AlibabaBalance.parse(send(build()), now: clock.now(), removing: []), uin: nil)
        XCTAssertEqual(reading.available, -1_000_000.01)
        XCTAssertEqual(reading.fields.map(\.descriptor), [AlibabaMetrics.availableAmount, AlibabaMetrics.availableCashAmount,
                                                         AlibabaMetrics.mybankCreditAmount], "CreditAmount absent, QuotaLimit null")
    }

    // MARK: Refused

    func testTamperedRequestsAreRefused() {
        var body = wire(build())
        body.body = Array("RoleArn=x".utf8)
        XCTAssertEqual(code(send(body)), "SignatureDoesNotMatch")

        var query = wire(build())
        query = HTTPRequest(method: query.method, target: "/?Extra=1", headers: query.headers, body: query.body)
        XCTAssertEqual(code(send(query)), "SignatureDoesNotMatch")

        var header = wire(build())
        header.headers = HTTPHeaders(header.headers.map { $0.name == "user-agent" ? HTTPField($0.name, "curl/8") : $0 })
        XCTAssertEqual(code(send(header)), "SignatureDoesNotMatch")

        var injected = wire(build())
        injected.headers.insert("x-acs-security-token", "unsigned", at: 1)
        XCTAssertEqual(code(send(injected)), "IncompleteSignature")

        let wrongKey = build(credentials: AlibabaCredentials(accessKeyId: Self.keyID, accessKeySecret: "guess", source: "t"))
        let refused = send(wrongKey)
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(code(refused), "SignatureDoesNotMatch")
        XCTAssertEqual(balanceFailure(refused)?.reason, .auth)
        let message = JSONValue.parse(refused.body)?["Message"]?.string ?? ""
        XCTAssertTrue(message.hasSuffix("server string to sign is:" + wrongKey.signature.stringToSign), message)

        var unsigned = wire(build())
        unsigned.headers.remove("Authorization")
        XCTAssertEqual(code(send(unsigned)), "IncompleteSignature")
        XCTAssertEqual(gateway.requestCount, 6)
    }

    func testAReplayedNonceIsRefusedAndANewSignatureIsAccepted() {
        let request = wire(build())
        XCTAssertEqual(send(request).status, 200)
        let replay = send(request)
        XCTAssertEqual(code(replay), "SignatureNonceUsed")
        XCTAssertEqual(balanceFailure(replay)?.reason, .upstream_error, "a new nonce fixes it: the normal backoff")
        XCTAssertEqual(send(build()).status, 200)
        clock.advance(by: 1000)
        XCTAssertEqual(code(send(request)), "InvalidTimeStamp.Expired", "after the window the date refuses it first")
    }

    func testTimestampsOutsideFifteenMinutesAreRefused() {
        let now = Int(clock.now())
        XCTAssertEqual(send(build(timestamp: now - 900)).status, 200)
        XCTAssertEqual(send(build(timestamp: now + 900)).status, 200)
        for skewed in [now - 901, now + 901, now - 86_400] {
            let response = send(build(timestamp: skewed))
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(code(response), "InvalidTimeStamp.Expired")
            XCTAssertEqual(balanceFailure(response)?.reason, .clock)
        }
        var malformed = wire(build())
        malformed.headers = HTTPHeaders(malformed.headers.map { $0.name == "x-acs-date" ? HTTPField($0.name, "1800000000") : $0 })
        XCTAssertEqual(code(send(malformed)), "InvalidTimeStamp.Format")
    }

    func testUnknownAndDisabledKeysAndMissingPermission() throws {
        let unknown = send(build(credentials: AlibabaCredentials(accessKeyId: "LTAInobody", accessKeySecret: "x", source: "t")))
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(code(unknown), "InvalidAccessKeyId.NotFound")
        XCTAssertEqual(balanceFailure(unknown)?.reason, .auth)

        gateway.setKeyActive(Self.keyID, false)
        XCTAssertEqual(code(send(build())), "InvalidAccessKeyId.Inactive")
        gateway.setKeyActive(Self.keyID, true)

        gateway.setBalancePermission(keyID: Self.keyID, false)
        let denied = send(build())
        XCTAssertEqual(denied.status, 400)
        let error = try XCTUnwrap(balanceFailure(denied))
        XCTAssertEqual(error.reason, .permission)
        XCTAssertEqual(error.code, "NoPermission")
        XCTAssertTrue(error.message.hasSuffix("(denied action: bss:DescribeAcccount)"), error.message)
        XCTAssertEqual(send(build(.getCallerIdentity)).status, 200, "GetCallerIdentity needs no permission")
    }

    func testTheOtherSitesKeyIsNotApplicable() {
        gateway.updateAccount(Self.uid) { $0.site = .international }
        let response = send(build())
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(code(response), "NotApplicable")
        XCTAssertEqual(JSONValue.parse(response.body)?["HostId"]?.string, "business.aliyuncs.com")
        XCTAssertTrue(balanceFailure(response)?.message.contains(AlibabaCloud.internationalEndpoint) == true)
    }

    func testTenBalanceRequestsPerSecondPerMainAccount() {
        gateway.addKey(id: "LTAIsecondKey", secret: "second", account: Self.uid)
        let second = AlibabaCredentials(accessKeyId: "LTAIsecondKey", accessKeySecret: "second", source: "t")
        for i in 0..<10 {
            XCTAssertEqual(send(build(credentials: i % 2 == 0 ? Self.credentials : second)).status, 200, "request \(i)")
        }
        let throttled = send(build(credentials: second))
        XCTAssertEqual(code(throttled), "Throttling.User", "every key of the main account shares the limit")
        XCTAssertEqual(balanceFailure(throttled)?.reason, .throttled)
        XCTAssertEqual(send(build(.getCallerIdentity)).status, 200, "the limit is per API")
        clock.advance(by: 1)
        XCTAssertEqual(send(build()).status, 200)
    }

    // MARK: Temporary credentials and STS

    func testTemporaryKeysNeedTheirTokenUntilTheyExpire() {
        let expiresAt = clock.now() + 600
        gateway.addTemporaryKey(id: "STS.temp1", secret: "temp-secret", token: "CAIS+tok/1==", expiresAt: expiresAt, account: Self.uid)
        let temporary = AlibabaCredentials(accessKeyId: "STS.temp1", accessKeySecret: "temp-secret", securityToken: "CAIS+tok/1==",
                                           expiresAt: expiresAt, source: "t")
        XCTAssertEqual(send(build(credentials: temporary)).status, 200)
        var wrongToken = temporary
        wrongToken.securityToken = "CAIS+other"
        XCTAssertEqual(code(send(build(credentials: wrongToken))), "InvalidSecurityToken.MismatchWithAccessKey")
        var noToken = temporary
        noToken.securityToken = nil
        XCTAssertEqual(code(send(build(credentials: noToken))), "InvalidSecurityToken.Malformed")
        clock.advance(by: 600)
        let expired = send(build(credentials: temporary))
        XCTAssertEqual(code(expired), "InvalidSecurityToken.Expired")
        XCTAssertEqual(balanceFailure(expired)?.reason, .auth)
    }

    func testCallerIdentityReportsTheMainAccount() throws {
        gateway.addKey(id: "LTAIroot", secret: "root", account: Self.uid, principal: .account)
        let user = try AlibabaSTS.identity(send(build(.getCallerIdentity)), now: clock.now(), removing: [])
        XCTAssertEqual(user.accountID, Self.uid)
        XCTAssertEqual(user.identityType, "RAMUser")
        XCTAssertEqual(user.arn, "acs:ram::\(Self.uid):user/balance-reader")
        let root = try AlibabaSTS.identity(send(build(.getCallerIdentity, credentials: AlibabaCredentials(
            accessKeyId: "LTAIroot", accessKeySecret: "root", source: "t"))), now: clock.now(), removing: [])
        XCTAssertEqual(root, AlibabaSTS.Identity(accountID: Self.uid, identityType: "Account", arn: "acs:ram::\(Self.uid):root",
                                                 requestID: root.requestID))
    }

    func testAssumeRoleIssuesCredentialsThatReadTheRolesAccount() throws {
        let customer = "1500000000000099"
        gateway.setAccount(customer, AlibabaSimulatorAccount(availableAmount: "42.00", currency: "USD"))
        let arn = "acs:ram::\(customer):role/balance-reader"
        gateway.addRole(arn: arn, account: customer)
        let role = AlibabaRole(arn: arn, sessionName: "balance exporter", durationSeconds: 900)
        let request = AlibabaRequest.assumeRole(endpoint: endpoint, role: role, credentials: Self.credentials,
                                                timestamp: Int(clock.now()), nonce: "a1", userAgent: "ua")
        let temporary = try AlibabaSTS.assumedRole(send(request), role: role, now: clock.now(), removing: [Self.secret])
        XCTAssertEqual(temporary.expiresAt, clock.now() + 900)
        XCTAssertEqual(gateway.issuedCount, 1)
        let reading = AlibabaBalanceMapping.reading(try AlibabaBalance.parse(send(build(credentials: temporary)), now: clock.now(),
                                                                             removing: temporary.secrets), uin: nil)
        XCTAssertEqual(reading.available, 42)
        let identity = try AlibabaSTS.identity(send(build(.getCallerIdentity, credentials: temporary)), now: clock.now(), removing: [])
        XCTAssertEqual(identity.accountID, customer)
        XCTAssertEqual(identity.identityType, "AssumedRoleUser")
        XCTAssertEqual(identity.arn, "acs:ram::\(customer):assumed-role/balance-reader/balance exporter")
        clock.advance(by: 900)
        XCTAssertEqual(code(send(build(credentials: temporary))), "InvalidSecurityToken.Expired")
    }

    func testAssumeRoleRefusals() {
        func assume(_ arn: String, duration: Int) -> String? {
            code(send(AlibabaRequest.assumeRole(endpoint: endpoint, role: AlibabaRole(arn: arn, sessionName: "s", durationSeconds: duration),
                                                credentials: Self.credentials, timestamp: Int(clock.now()),
                                                nonce: AlibabaNonce.make(using: &nonces), userAgent: "ua")))
        }
        gateway.addRole(arn: "acs:ram::1:role/r", account: Self.uid)
        XCTAssertEqual(assume("acs:ram::1:role/none", duration: 900), "EntityNotExist.Role")
        XCTAssertEqual(assume("acs:ram::1:role/r", duration: 899), "InvalidParameter.DurationSeconds")
        XCTAssertEqual(assume("acs:ram::1:role/r", duration: 3601), "InvalidParameter.DurationSeconds")
        XCTAssertEqual(code(send(build(.assumeRole))), "MissingRoleArn")
        XCTAssertEqual(gateway.issuedCount, 0)
    }

    func testUnknownActionsAndVersions() {
        XCTAssertEqual(code(send(build(AlibabaAPI(action: "DescribeInstances", version: "2014-05-26")))), "InvalidApi.NotFound")
        XCTAssertEqual(code(send(build(AlibabaAPI(action: "QueryAccountBalance", version: "2015-04-01")))), "InvalidVersion")
    }

    // MARK: Faults

    func testScriptedFaultsAreClassifiedByTheClientsParser() throws {
        gateway.enqueueFaults([
            .error(code: "InternalError", message: "The request processing has failed due to some unknown error.", status: 400),
            .throttled(retryAfterMilliseconds: 1500), .tooManyRequests(retryAfter: "30"), .httpStatus(502), .garbage, .truncatedJSON,
            .body(status: 200, json: #"{"Success":false,"RequestId":"r"}"#),
        ])
        let expected: [(FailureReason, Double?)] = [
            (.upstream_error, nil), (.throttled, 1.5), (.throttled, 30), (.http_status, nil), (.bad_response, nil), (.bad_response, nil),
            (.bad_response, nil),
        ]
        XCTAssertEqual(try AlibabaSTS.identity(send(build(.getCallerIdentity)), now: clock.now(), removing: []).accountID, Self.uid,
                       "faults are queued per action")
        for (reason, retryAfter) in expected {
            let error = balanceFailure(send(build()))
            XCTAssertEqual(error?.reason, reason)
            XCTAssertEqual(error?.retryAfter, retryAfter, "\(reason)")
        }
        XCTAssertEqual(send(build()).status, 200, "the queue is used up")
    }

    // MARK: The reference page's vectors as whole requests

    /// Vectors V1, V2 and V5 (QueryAccountBalance), V3 (GetCallerIdentity,
    /// with `+` for the space on the wire as well) and V4 (RunInstances:
    /// the signature passes, the action is not simulated), header for header.
    func testTheSDKVectorsAreAcceptedAsSent() {
        let vectorClock = TestClock(now: 1_767_323_045)
        let gateway = AlibabaSimulator(clock: vectorClock)
        gateway.setAccount(Self.uid, AlibabaSimulatorAccount(availableAmount: "1.00"))
        gateway.addKey(id: "LTAI5tTESTACCESSKEYID01", secret: "TestAccessKeySecret000000000001", account: Self.uid)
        gateway.addTemporaryKey(id: "STS.NUgYrLnoC37mZZCNnAbez2", secret: "StsSecretForTestVector2222222222",
                                token: "CAIS+token/with+slash=and=equals", expiresAt: 1_767_326_645, account: Self.uid)
        let hash = AlibabaSignerTests.emptyHash
        func request(_ target: String, _ headers: HTTPHeaders, _ authorization: String) -> HTTPRequest {
            HTTPRequest(method: "POST", target: target, minorVersion: 1, headers: headers + [("Authorization", authorization)])
        }
        let v1 = request("/", [
            ("host", "business.aliyuncs.com"), ("x-acs-action", "QueryAccountBalance"), ("x-acs-version", "2017-12-14"),
            ("x-acs-date", "2026-01-02T03:04:05Z"), ("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"),
            ("x-acs-content-sha256", hash), ("Content-Length", "0"),
        ], "ACS3-HMAC-SHA256 Credential=LTAI5tTESTACCESSKEYID01,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=841189de8523de61b5f6e8cf0c691cc650c1f2088d138921bf6e8bfcac1ad61d")
        let v2 = request("/", [
            ("host", "business.ap-southeast-1.aliyuncs.com"), ("x-acs-action", "QueryAccountBalance"), ("x-acs-version", "2017-12-14"),
            ("x-acs-date", "2026-01-02T03:04:05Z"), ("x-acs-signature-nonce", "fedcba9876543210fedcba9876543210"),
            ("x-acs-content-sha256", hash), ("x-acs-accesskey-id", "STS.NUgYrLnoC37mZZCNnAbez2"),
            ("x-acs-security-token", "CAIS+token/with+slash=and=equals"),
        ], "ACS3-HMAC-SHA256 Credential=STS.NUgYrLnoC37mZZCNnAbez2,SignedHeaders=host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=4f8961eff723b19422ddae3e4d323b737546eca710f08832e63377708f8ae5b4")
        func v3(_ target: String, nonce: String) -> HTTPRequest {
            // The nonce is signed: only the first of the two encodings can carry the vector's.
            request(target, [
                ("host", "sts.aliyuncs.com"), ("x-acs-action", "GetCallerIdentity"), ("x-acs-version", "2015-04-01"),
                ("x-acs-date", "2026-01-02T03:04:05Z"), ("x-acs-signature-nonce", nonce),
                ("x-acs-content-sha256", hash), ("accept", "application/json"), ("user-agent", "balance_exporter/1.0"),
            ], "ACS3-HMAC-SHA256 Credential=LTAI5tTESTACCESSKEYID01,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=32b5fa93b3d29ba5037dd3dda810ce3ea135ddef1d9d460a96296030a005c30e")
        }
        let v5 = request("/", [
            ("accept", "application/json"), ("host", "business.aliyuncs.com"),
            ("user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"),
            ("x-acs-action", "QueryAccountBalance"), ("x-acs-content-sha256", hash), ("x-acs-credentials-provider", "static_ak"),
            ("x-acs-date", "2026-01-02T03:04:05Z"), ("x-acs-signature-nonce", "55555555555555555555555555555555"),
            ("x-acs-version", "2017-12-14"),
        ], "ACS3-HMAC-SHA256 Credential=LTAI5tTESTACCESSKEYID01,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e10df1b9d697f7d3a36190b1b7bf4b8bd64e2c381d5b85b8ba6ece42367b609c")
        for (name, vector) in [("V1", v1), ("V2", v2), ("V5", v5), ("V3", v3("/?Note=a%20b%2Ac~d%2Fe%2Bf", nonce: "00000000000000000000000000000003"))] {
            let response = gateway.handle(vector)
            XCTAssertEqual(response.status, 200, "\(name): \(String(decoding: response.body, as: UTF8.self))")
        }
        let plus = gateway.handle(v3("/?Note=a+b%2Ac~d%2Fe%2Bf", nonce: "00000000000000000000000000000003"))
        XCTAssertEqual(JSONValue.parse(plus.body)?["Code"]?.string, "SignatureNonceUsed",
                       "`+` decodes to the same space, so the signature passed and only the replayed nonce is refused")

        let docsClock = TestClock(now: 1_698_310_861)
        let docs = AlibabaSimulator(clock: docsClock)
        docs.addKey(id: "YourAccessKeyId", secret: "YourAccessKeySecret", account: Self.uid)
        let v4 = request("/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai", [
            ("host", "ecs.cn-shanghai.aliyuncs.com"), ("x-acs-action", "RunInstances"), ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T09:01:01Z"), ("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
            ("x-acs-content-sha256", hash),
        ], "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804")
        XCTAssertEqual(JSONValue.parse(docs.handle(v4).body)?["Code"]?.string, "InvalidApi.NotFound")
        var v4Tampered = v4
        v4Tampered.headers[0].value = "ecs.cn-hangzhou.aliyuncs.com"
        XCTAssertEqual(JSONValue.parse(docs.handle(v4Tampered).body)?["Code"]?.string, "SignatureDoesNotMatch")
    }

    // MARK: ECS metadata

    func testInstanceRoleCredentialsThroughIMDSv2ReadTheBalance() throws {
        let metadata = AlibabaSimulatorMetadata(clock: clock, gateway: gateway, roleName: "EcsBalanceRole", account: Self.uid,
                                                lifetime: 3600, requireToken: true)
        let base = try XCTUnwrap(HTTPURL(string: "http://100.100.100.200"))
        func get(_ call: UpstreamCall) -> HTTPResponse {
            metadata.handle(call.request)
        }
        XCTAssertEqual(get(AlibabaInstanceMetadata.roleNameRequest(base: base, token: nil)).status, 401, "IMDSv1 refused")
        XCTAssertEqual(get(AlibabaInstanceMetadata.roleNameRequest(base: base, token: "forged")).status, 401)
        let token = try AlibabaInstanceMetadata.token(get(AlibabaInstanceMetadata.tokenRequest(base: base)))
        let role = try AlibabaInstanceMetadata.roleName(get(AlibabaInstanceMetadata.roleNameRequest(base: base, token: token)))
        XCTAssertEqual(role, "EcsBalanceRole")
        let credentials = try AlibabaInstanceMetadata.credentials(
            get(AlibabaInstanceMetadata.credentialsRequest(base: base, role: role, token: token)), role: role)
        XCTAssertEqual(credentials.expiresAt, clock.now() + 3600)
        XCTAssertEqual(send(build(credentials: credentials)).status, 200)
        let again = try AlibabaInstanceMetadata.credentials(
            get(AlibabaInstanceMetadata.credentialsRequest(base: base, role: role, token: token)), role: role)
        XCTAssertEqual(again, credentials, "the same credentials until the rotation margin")
        clock.advance(by: 1801)
        let rotated = try AlibabaInstanceMetadata.credentials(
            get(AlibabaInstanceMetadata.credentialsRequest(base: base, role: role, token: token)), role: role)
        XCTAssertNotEqual(rotated.accessKeyId, credentials.accessKeyId)
        XCTAssertEqual(metadata.issuedCount, 2)
        XCTAssertEqual(send(build(credentials: rotated)).status, 200)

        let bare = AlibabaSimulatorMetadata(clock: clock, gateway: gateway, roleName: nil, account: Self.uid)
        let listing = bare.handle(HTTPRequest(method: "GET", target: "/latest/meta-data/ram/security-credentials/"))
        XCTAssertEqual(listing.status, 404)
    }
}
