import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud
@testable import BalanceSimulators
@testable import BalanceSupport

/// The simulator re-checks every signature on its own: requests the official
/// SDK signed (the reference vectors) and requests our signer signs pass;
/// tampered, stale, unknown and locked ones get Huawei's envelopes, which the
/// provider's parser classifies as the issue prescribes.
final class HuaweiSimulatorTests: XCTestCase {
    static let domainId = "0123456789abcdef0123456789abcdef"
    static let now = 1_800_000_000.0
    private let key = HuaweiCredentials(accessKey: "HPUASIMULATED01", secretKey: "simulated-secret-key", source: "test")

    private func simulator(clock: TestClock = TestClock(now: now), site: HuaweiSimulatorAccount.Site = .china) -> HuaweiSimulator {
        let simulator = HuaweiSimulator(clock: clock, site: site)
        simulator.setAccount(domainId: Self.domainId, HuaweiSimulatorAccount(name: "acme", site: site, entries: [
            .init(accountType: 1, amount: "4522.08", designatedAmount: "0"), .init(accountType: 2, amount: "10000", creditAmount: "10000"),
        ], debtAmount: "12.5"))
        simulator.addKey(accessKey: key.accessKey, secretKey: key.secretKey, domainId: Self.domainId)
        return simulator
    }

    private func balanceRequest(_ credentials: HuaweiCredentials? = nil, at time: Double = now,
                                domainId: String? = domainId, endpoint: String = "http://127.0.0.1:8080") -> HTTPRequest {
        wire(HuaweiRequest.balance(endpoint: HTTPURL(string: endpoint)!, credentials: credentials ?? key, domainId: domainId,
                                   userAgent: "balance_exporter/test", timestamp: Int(time)))
    }

    /// The request as the transport puts it on the wire.
    private func wire(_ request: HuaweiRequest) -> HTTPRequest {
        request.call.request
    }

    private func exchange(secrets: [String] = []) -> HuaweiResponse.Exchange {
        HuaweiResponse.Exchange(endpoint: HTTPURL(string: "http://127.0.0.1:8080")!, now: Self.now, secrets: secrets)
    }

    private func upstream(_ response: HTTPResponse) -> HTTPResponse { response }

    private func reading(_ response: HTTPResponse) throws(ProviderError) -> HuaweiBalance {
        try HuaweiBalanceMapping.balance(upstream(response), exchange(), domainId: Self.domainId)
    }

    private func failure(_ response: HTTPResponse) -> ProviderError? {
        do { _ = try reading(response); return nil } catch { return error }
    }

    private func errorCode(_ response: HTTPResponse) -> String? {
        JSONValue.parse(response.body)?["error_code"]?.string
    }

    // MARK: Signatures

    func testReferenceVectorsSignedByTheOfficialSDKAreAcceptedAsWholeRequests() {
        let path = "/v2/accounts/customer-accounts/balances"
        let vectors: [(time: Double, ak: String, sk: String, token: String?, target: String, headers: [(String, String)])] = [
            (1_704_067_200, "HPUAEXAMPLEAK0000001", "EXAMPLESK0000000000000000000000000000001", nil, path,
             [("Host", "bss.myhuaweicloud.com"), ("X-Sdk-Date", "20240101T000000Z"),
              ("Authorization", "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=host;x-sdk-date, Signature=5beba9acba3f36a53c1367333e533ee07eeae6562cbdd6ddd5ee9d95ad433b80")]),
            (1_709_251_199, "HPUAEXAMPLEAK0000002", "EXAMPLESK0000000000000000000000000000002", nil, path,
             [("Content-Type", "application/json"), ("Host", "bss-intl.myhuaweicloud.com"), ("User-Agent", "balance_exporter/1.0"),
              ("X-Domain-Id", Self.domainId), ("X-Sdk-Date", "20240229T235959Z"),
              ("Authorization", "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000002, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, Signature=dbe4324c7dede570f9d83916cae8438ca6da1e972ed64f756cf6c1e9da323502")]),
            (1_735_646_400, "HSTAEXAMPLEAK0000003", "EXAMPLESK0000000000000000000000000000003", "gQpjbi1ub3J0aC00EXAMPLETOKEN==",
             path + "?a=1&a=2&b=x%20y%2Fz~%2A&limit=10",
             [("Content-Type", "application/json"), ("Host", "127.0.0.1:18080"), ("X-Domain-Id", Self.domainId),
              ("X-Security-Token", "gQpjbi1ub3J0aC00EXAMPLETOKEN=="), ("X-Sdk-Date", "20241231T120000Z"),
              ("Authorization", "SDK-HMAC-SHA256 Access=HSTAEXAMPLEAK0000003, SignedHeaders=content-type;host;x-domain-id;x-sdk-date;x-security-token, Signature=65ae3598be1f0c5561cde04a94c6d5f70e8c67bc7503861e73920d1055da7319")]),
        ]
        for vector in vectors {
            let simulator = self.simulator(clock: TestClock(now: vector.time))
            if let token = vector.token {
                simulator.addTemporaryKey(accessKey: vector.ak, secretKey: vector.sk, securityToken: token,
                                          expiresAt: vector.time + 3600, domainId: Self.domainId)
            } else {
                simulator.addKey(accessKey: vector.ak, secretKey: vector.sk, domainId: Self.domainId)
            }
            let request = HTTPRequest(method: "GET", target: vector.target, headers: HTTPHeaders(vector.headers))
            let response = simulator.handle(request)
            XCTAssertEqual(response.status, 200, "\(vector.ak): \(String(decoding: response.body, as: UTF8.self))")
            // One changed byte of the signature is refused.
            var tampered = request
            let signature = vector.headers.last!.1
            tampered.headers[tampered.headers.count - 1].value = String(signature.dropLast()) + (signature.hasSuffix("0") ? "1" : "0")
            XCTAssertEqual(simulator.handle(tampered).status, 401, vector.ak)
        }
    }

    func testOurSignedRequestIsAcceptedAndMapsTheAccount() throws {
        let simulator = simulator()
        let response = simulator.handle(balanceRequest())
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        let result = try reading(response)
        XCTAssertEqual(result.reading.available, 4522.08)
        XCTAssertEqual(result.reading.fields.count, 5)
        XCTAssertEqual(result.currency, "CNY")
        XCTAssertEqual(upstream(response).headers["x-request-id"], "sim-huawei-1")
        XCTAssertEqual(upstream(response).headers["date"], "Fri, 15 Jan 2027 08:00:00 GMT")
        XCTAssertEqual(simulator.requests, [balanceRequest()], "every request is recorded")
    }

    func testTamperedWrongKeyAndUnknownKeyAreRefusedWithTheGatewaysAuthError() throws {
        let simulator = simulator()
        var otherDomain = balanceRequest()
        otherDomain.headers[otherDomain.headers.firstIndex { $0.name == "X-Domain-Id" }!].value = "ffffffffffffffffffffffffffffffff"
        var extraQuery = balanceRequest()
        extraQuery = HTTPRequest(method: "GET", target: extraQuery.target + "?limit=1", headers: extraQuery.headers)
        var wrongSecret = key
        wrongSecret.secretKey = "guess"
        var unknown = key
        unknown.accessKey = "HPUAUNKNOWN"
        for (request, text) in [(otherDomain, "verify aksk signature fail, canonicalRequest:GET|/v2/accounts/customer-accounts/balances/||"),
                                (extraQuery, "canonicalRequest:GET|/v2/accounts/customer-accounts/balances/|limit=1|"),
                                (balanceRequest(wrongSecret), "verify aksk signature fail"),
                                (balanceRequest(unknown), "Get secretKey failed,ak:******,err:ak not exist")] {
            let response = simulator.handle(request)
            XCTAssertEqual(response.status, 401)
            let error = try XCTUnwrap(failure(response))
            XCTAssertEqual(error.reason, .auth)
            XCTAssertEqual(error.code, "APIGW.0301")
            XCTAssertTrue(error.message.contains(text), error.message)
        }
        var noAuthorization = balanceRequest()
        noAuthorization.headers.remove("Authorization")
        XCTAssertTrue(failure(simulator.handle(noAuthorization))?.message.contains("x-auth-token not found") ?? false)
    }

    func testTheFifteenMinuteWindowIsTheOnlyReplayProtection() throws {
        let clock = TestClock(now: Self.now)
        let simulator = simulator(clock: clock)
        let request = balanceRequest()
        XCTAssertEqual(simulator.handle(request).status, 200)
        clock.advance(by: 900)
        XCTAssertEqual(simulator.handle(request).status, 200, "SDK-HMAC-SHA256 has no nonce: a replay within 15 minutes passes")
        clock.advance(by: 1)
        let stale = simulator.handle(request)
        let error = try XCTUnwrap(failure(stale))
        XCTAssertEqual(error.reason, .clock)
        XCTAssertTrue(error.message.contains("signature expired, signature time:20270115T080000Z,server time:20270115T081501Z"), error.message)
        XCTAssertTrue(error.message.contains("(the server's Date is Fri, 15 Jan 2027 08:15:01 GMT: this host's clock is 901 s behind)"),
                      error.message)
        XCTAssertEqual(simulator.handle(balanceRequest(at: clock.now() + 900)).status, 200, "a clock ahead by 15 minutes still passes")
    }

    func testTemporaryKeysNeedTheirSignedTokenBeforeTheyExpire() throws {
        let clock = TestClock(now: Self.now)
        let simulator = simulator(clock: clock)
        let temporary = HuaweiCredentials(accessKey: "HSTATEMP", secretKey: "temp-secret", securityToken: "temp-token",
                                          expiresAt: Self.now + 60, source: "test")
        simulator.addTemporaryKey(accessKey: "HSTATEMP", secretKey: "temp-secret", securityToken: "temp-token",
                                  expiresAt: Self.now + 60, domainId: Self.domainId)
        XCTAssertEqual(simulator.handle(balanceRequest(temporary)).status, 200)
        var withoutToken = temporary
        withoutToken.securityToken = nil
        XCTAssertTrue(failure(simulator.handle(balanceRequest(withoutToken)))?.message.contains("decrypt token fail") ?? false)
        var unsignedToken = balanceRequest(withoutToken)
        unsignedToken.headers.insert("X-Security-Token", "temp-token", at: 1)
        XCTAssertTrue(failure(simulator.handle(unsignedToken))?.message.contains("decrypt token fail") ?? false,
                      "the token must be signed")
        clock.advance(by: 60)
        let expired = try XCTUnwrap(failure(simulator.handle(balanceRequest(temporary, at: clock.now()))))
        XCTAssertEqual(expired.reason, .auth)
        XCTAssertTrue(expired.message.contains("token expires, expires_at: 2027-01-15T08:01:00.000000Z"), expired.message)
    }

    func testFiveFailuresInARowLockTheKeyForFiveMinutesEvenForCorrectRequests() throws {
        let clock = TestClock(now: Self.now)
        let simulator = simulator(clock: clock)
        var wrong = key
        wrong.secretKey = "wrong"
        for _ in 0..<4 { XCTAssertEqual(simulator.handle(balanceRequest(wrong)).status, 401) }
        XCTAssertEqual(simulator.handle(balanceRequest()).status, 200, "a success resets the count")
        for _ in 0..<4 { XCTAssertEqual(simulator.handle(balanceRequest(wrong)).status, 401) }
        XCTAssertNil(simulator.lockedUntil(accessKey: key.accessKey))
        XCTAssertEqual(simulator.handle(balanceRequest(wrong)).status, 401)
        XCTAssertEqual(simulator.lockedUntil(accessKey: key.accessKey), Self.now + 300)

        let locked = try XCTUnwrap(failure(simulator.handle(balanceRequest())))
        XCTAssertEqual(locked.reason, .auth)
        XCTAssertTrue(locked.message.contains("AK access failed to reach the limit,forbidden"), locked.message)
        XCTAssertTrue(locked.message.contains("locks an access key for 5 minutes"), locked.message)
        clock.advance(by: 299)
        XCTAssertEqual(simulator.handle(balanceRequest(at: clock.now())).status, 401)
        clock.advance(by: 1)
        XCTAssertEqual(simulator.handle(balanceRequest(at: clock.now())).status, 200)
    }

    func testMoreThanTenRequestsInASecondAreThrottled() throws {
        let clock = TestClock(now: Self.now)
        let simulator = simulator(clock: clock)
        for _ in 0..<10 { XCTAssertEqual(simulator.handle(balanceRequest()).status, 200) }
        let throttled = simulator.handle(balanceRequest())
        XCTAssertEqual(throttled.status, 429)
        let error = try XCTUnwrap(failure(throttled))
        XCTAssertEqual(error.reason, .throttled)
        XCTAssertEqual(error.code, "APIGW.0308")
        XCTAssertTrue(error.message.contains("policy ip over ratelimit,limit:10,time:1 second"), error.message)
        clock.advance(by: 1)
        XCTAssertEqual(simulator.handle(balanceRequest(at: clock.now())).status, 200)
        simulator.setRateLimit(nil)
        for _ in 0..<20 { XCTAssertEqual(simulator.handle(balanceRequest(at: clock.now())).status, 200) }
    }

    // MARK: BSS and IAM answers

    func testMissingPermissionAndTheOtherSite() throws {
        let simulator = simulator()
        simulator.setPermissions(accessKey: key.accessKey, viewBalance: false)
        let denied = simulator.handle(balanceRequest())
        XCTAssertEqual(denied.status, 403)
        XCTAssertEqual(failure(denied)?.reason, .permission)
        XCTAssertEqual(failure(denied)?.code, "CBC.0151")

        let international = self.simulator(site: .international)
        international.updateAccount(domainId: Self.domainId) { $0.site = .china }
        let wrongSite = international.handle(balanceRequest())
        XCTAssertEqual(wrongSite.status, 403)
        let error = try XCTUnwrap(failure(wrongSite))
        XCTAssertEqual(error.reason, .upstream_error)
        XCTAssertEqual(error.code, "CBC.0156")
    }

    func testDomainsNameTheKeysAccountOrRefuseWithoutPermission() throws {
        let simulator = simulator()
        let request = wire(HuaweiRequest.domains(iamEndpoint: HTTPURL(string: "http://127.0.0.1:8081")!, credentials: key,
                                                 userAgent: "ua", timestamp: Int(Self.now)))
        let response = simulator.handle(request)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try HuaweiIdentityResponse.parse(upstream(response), exchange()),
                       HuaweiIdentityResponse(domainId: Self.domainId, domainName: "acme"))
        simulator.setPermissions(accessKey: key.accessKey, listDomains: false)
        XCTAssertThrowsError(try HuaweiIdentityResponse.parse(upstream(simulator.handle(request)), exchange())) { error in
            XCTAssertEqual((error as! ProviderError).reason, .permission)
        }
        XCTAssertEqual(simulator.handle(balanceRequest()).status, 200, "the balance does not need the IAM permission")
        XCTAssertEqual(simulator.handle(balanceRequest(domainId: nil)).status, 200, "without X-Domain-Id the key names the account")
    }

    func testScriptedFaultsPerAPIInOrder() throws {
        let simulator = simulator()
        simulator.enqueueFaults([.error(status: 200, code: "CBC.3002", message: "The customer does not exist."), .httpStatus(502),
                                 .garbage, .truncatedJSON, .throttled(retryAfter: "7"),
                                 .error(status: 500, code: "APIGW.0202", message: "Backend unavailable.")])
        simulator.enqueueFaults([.httpStatus(503)], for: .domains)
        let expected: [(FailureReason, String?)] = [(.upstream_error, "CBC.3002"), (.http_status, nil), (.bad_response, nil),
                                                    (.bad_response, nil), (.throttled, "APIGW.0308"), (.upstream_error, "APIGW.0202")]
        for (reason, code) in expected {
            let error = try XCTUnwrap(failure(simulator.handle(balanceRequest())))
            XCTAssertEqual(error.reason, reason)
            XCTAssertEqual(error.code, code)
            if reason == .throttled { XCTAssertEqual(error.retryAfter, 7) }
        }
        XCTAssertEqual(simulator.handle(balanceRequest()).status, 200)
        let domains = wire(HuaweiRequest.domains(iamEndpoint: HTTPURL(string: "http://127.0.0.1:8081")!, credentials: key,
                                                 userAgent: "ua", timestamp: Int(Self.now)))
        XCTAssertEqual(simulator.handle(domains).status, 503)
        XCTAssertEqual(simulator.handle(domains).status, 200)
    }

    func testRawAmountTextsAreSentVerbatim() throws {
        let simulator = simulator()
        simulator.updateAccount(domainId: Self.domainId) { account in
            account.entries = [.init(accountType: 1, amount: #""1,234.50""#, designatedAmount: "null"),
                               .init(accountType: 5, amount: "-3.2", currency: nil, measureId: nil)]
            account.debtAmount = nil
            account.rawMembers = ["measure_id": "1", "extra": #"{"x":1}"#]
        }
        let body = String(decoding: simulator.handle(balanceRequest()).body, as: UTF8.self)
        XCTAssertEqual(body, #"{"account_balances":[{"account_id":"AT001SIMULATED","account_type":1,"amount":"1,234.50","currency":"CNY","designated_amount":null,"measure_id":1},{"account_id":"AT005SIMULATED","account_type":5,"amount":-3.2}],"measure_id":1,"currency":"CNY","extra":{"x":1}}"#)
        XCTAssertEqual(try reading(simulator.handle(balanceRequest())).reading.fields.map(\.value), [1234.5, -3.2])
    }

    func testOtherAPIsAndMethodsAre404() {
        let simulator = simulator()
        for request in [HTTPRequest(method: "GET", target: "/v1.0/x/customer/account-mgr/balances"),
                        HTTPRequest(method: "POST", target: "/v2/accounts/customer-accounts/balances")] {
            let response = simulator.handle(request)
            XCTAssertEqual(response.status, 404)
            XCTAssertEqual(errorCode(response), "APIGW.0101")
        }
    }

    func testAcceptsARequestForwardedByAnHTTP10ProxyWithVia() {
        let simulator = simulator()
        var forwarded = balanceRequest()
        forwarded = HTTPRequest(method: "GET", target: forwarded.target, minorVersion: 0,
                                headers: forwarded.headers + [(name: "Connection", value: "close"), (name: "Via", value: "1.1 tinyproxy (tinyproxy/1.11.1)")])
        XCTAssertEqual(simulator.handle(forwarded).status, 200)
    }

    // MARK: ECS metadata

    func testMetadataIssuesKeysTheCloudAcceptsAndRotatesThemTenMinutesEarly() throws {
        let clock = TestClock(now: Self.now)
        let cloud = simulator(clock: clock)
        let metadata = HuaweiSimulatorMetadata(clock: clock, cloud: cloud, domainId: Self.domainId, requireSessionToken: true)
        let endpoint = HTTPURL(string: HuaweiCloud.defaultMetadataEndpoint)!
        func keys(_ token: String?) -> HTTPResponse {
            metadata.handle(wire(HuaweiRequest.securityKey(metadataEndpoint: endpoint, metadataToken: token)))
        }
        XCTAssertTrue(HuaweiMetadataCredentials.isSessionTokenRejected(upstream(keys(nil))))
        let token = try XCTUnwrap(HuaweiMetadataCredentials.sessionToken(upstream(metadata.handle(wire(HuaweiRequest.metadataToken(metadataEndpoint: endpoint))))))
        let metadataExchange = HuaweiResponse.Exchange(endpoint: endpoint, now: clock.now(), secrets: [])
        let first = try HuaweiMetadataCredentials.parse(upstream(keys(token)), metadataExchange)
        XCTAssertEqual(first.expiresAt, Self.now + 3600)
        XCTAssertEqual(cloud.handle(balanceRequest(first)).status, 200)
        XCTAssertEqual(try HuaweiMetadataCredentials.parse(upstream(keys(token)), metadataExchange), first)

        clock.advance(by: 3000)
        let second = try HuaweiMetadataCredentials.parse(upstream(keys(token)), metadataExchange)
        XCTAssertNotEqual(second.accessKey, first.accessKey)
        XCTAssertEqual(metadata.issuedCount, 2)
        XCTAssertEqual(cloud.handle(balanceRequest(first, at: clock.now())).status, 200, "the old keys stay valid until they expire")
        XCTAssertEqual(cloud.handle(balanceRequest(second, at: clock.now())).status, 200)

        metadata.expireSessionTokens()
        XCTAssertTrue(HuaweiMetadataCredentials.isSessionTokenRejected(upstream(keys(token))))
        let noAgency = HuaweiSimulatorMetadata(clock: clock, cloud: cloud, domainId: nil)
        let refused = upstream(noAgency.handle(wire(HuaweiRequest.securityKey(metadataEndpoint: endpoint, metadataToken: nil))))
        XCTAssertFalse(HuaweiMetadataCredentials.isSessionTokenRejected(refused))
        XCTAssertThrowsError(try HuaweiMetadataCredentials.parse(refused, metadataExchange)) { error in
            XCTAssertEqual((error as! ProviderError).reason, .auth)
        }
    }
}
