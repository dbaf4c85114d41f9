import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceTencentCloud

/// The provider end to end, in process, against the simulated billing, STS and metadata services.
final class TencentCloudClientTests: XCTestCase {
    typealias Rig = TencentTestRig

    func testSuccessSendsTheDocumentedRequestAndMapsEveryField() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys.merging(["temp_credit": .bool(true), "region": .string("ap-singapore"),
                                                       "language": .string("en-US"), "request_timeout": .duration(3)]) { $1 })
        let reading = try await client.fetchBalance()

        XCTAssertEqual(reading.uin, "100000000001")
        XCTAssertEqual(reading.available, 1234567.0)
        let credit = [Label("credit", "2026-11-16T00:00:00+08:00")]
        XCTAssertEqual(reading.fields, [
            FieldSample(TencentMetrics.balance, 1234567.89), FieldSample(TencentMetrics.realBalance, 1234567.0),
            FieldSample(TencentMetrics.cashAccountBalance, 1234567.0), FieldSample(TencentMetrics.incomeIntoAccountBalance, 0),
            FieldSample(TencentMetrics.presentAccountBalance, 0.5), FieldSample(TencentMetrics.freezeAmount, 19.99),
            FieldSample(TencentMetrics.oweAmount, 0), FieldSample(TencentMetrics.creditAmount, 10000),
            FieldSample(TencentMetrics.creditBalance, 9999.99), FieldSample(TencentMetrics.realCreditBalance, 9999.98),
            FieldSample(TencentMetrics.tempCredit, 1500), FieldSample(TencentMetrics.isAllowArrears, 1),
            FieldSample(TencentMetrics.isCreditLimited, 0),
            FieldSample(TencentMetrics.tempCreditAmount, 1500, labels: credit),
            FieldSample(TencentMetrics.tempCreditStart, 1794758400, labels: credit),
            FieldSample(TencentMetrics.tempCreditEnd, 1794758400 + 30 * 86400 + 86399, labels: credit),
        ])

        let sent = try XCTUnwrap(rig.billing.requests.last)
        XCTAssertEqual(sent.method, "POST")
        XCTAssertEqual(sent.target, "/")
        XCTAssertEqual(sent.headers["Host"], "127.0.0.1:9001")
        XCTAssertEqual(sent.headers["Content-Type"], "application/json")
        XCTAssertEqual(sent.headers["X-TC-Action"], "DescribeAccountBalance")
        XCTAssertEqual(sent.headers["X-TC-Version"], "2018-07-09")
        XCTAssertEqual(sent.headers["X-TC-Timestamp"], "1800000000")
        XCTAssertEqual(sent.headers["X-TC-Region"], "ap-singapore")
        XCTAssertEqual(sent.headers["X-TC-Language"], "en-US")
        XCTAssertNil(sent.headers["X-TC-Token"])
        XCTAssertEqual(sent.body, Array(#"{"TempCredit":true}"#.utf8))
        XCTAssertEqual(sent.headers["Authorization"]?.hasPrefix("TC3-HMAC-SHA256 Credential=AKIDrigPermanent/2027-01-15/billing/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature="), true)
        XCTAssertEqual(rig.transport.exchanges.last?.timeout, 3)
    }

    func testWithoutTempCreditTheBodyIsEmptyAndNoTempFieldsAppear() async throws {
        let rig = Rig()
        let reading = try await rig.client(Rig.keys).fetchBalance()
        XCTAssertEqual(rig.billing.requests.last?.body, Array("{}".utf8))
        XCTAssertNil(rig.billing.requests.last?.headers["X-TC-Region"])
        XCTAssertFalse(reading.fields.contains { $0.descriptor == TencentMetrics.tempCredit || $0.descriptor == TencentMetrics.tempCreditAmount })
        XCTAssertEqual(rig.transport.exchanges.last?.timeout, 10)
    }

    func testUinStringAndNullFieldsFromTheUpstream() async throws {
        let rig = Rig()
        rig.billing.setAccount("main", SimulatedTencentAccount(uin: .string("200000000002"), balance: 4200, realBalance: 4100,
                                                               nullFields: ["RealBalance", "OweAmount"]))
        let reading = try await rig.client(Rig.keys).fetchBalance()
        XCTAssertEqual(reading.uin, "200000000002")
        XCTAssertEqual(reading.available, 42, "RealBalance null: available falls back to Balance")
        XCTAssertEqual(reading.fields, [FieldSample(TencentMetrics.balance, 42)])
    }

    func testWrongSecretKeyIsAnAuthFailureWithCodeAndRequestID() async throws {
        let rig = Rig()
        let client = try rig.client(["secret_id": .string(Rig.secretId), "secret_key": .string("WRONG-secret-value")])
        let error = await client.tencentFetchError()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "AuthFailure.SignatureFailure")
        XCTAssertEqual(error?.requestID, "sim-billing-1")
        XCTAssertFalse(error.map(String.init(describing:))?.contains("WRONG-secret-value") ?? true)
    }

    func testUnknownSecretIdIsAnAuthFailure() async throws {
        let rig = Rig()
        let error = try await rig.client(["secret_id": .string("AKIDnobody"), "secret_key": .string("k")]).tencentFetchError()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "AuthFailure.SecretIdNotFound")
    }

    func testClockSkewBeyondFiveMinutesIsAClockFailure() async throws {
        let rig = Rig()
        let skewed = TestClock(now: rig.clock.now() - 301)
        let error = try await rig.client(Rig.keys, clock: skewed).tencentFetchError()
        XCTAssertEqual(error?.reason, .clock)
        XCTAssertEqual(error?.code, "AuthFailure.SignatureExpire")

        let withinSkew = TestClock(now: rig.clock.now() + 299)
        let reading = try await rig.client(Rig.keys, clock: withinSkew).fetchBalance()
        XCTAssertEqual(reading.uin, "100000000001")
    }

    func testThrottlingServerErrorsAndGarbage() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys)
        rig.billing.enqueueFaults([
            .error(code: "RequestLimitExceeded.UinLimitExceeded", message: "slow down"), .httpStatus(503), .httpStatus(404),
            .nonJSON, .truncatedJSON, .error(code: "InternalError.GatewayError", message: "try later"),
            .error(code: "UnauthorizedOperation.CamNoAuth", message: "no billing:DescribeAccountBalance"),
        ])
        var reasons: [FailureReason?] = []
        for _ in 0..<7 { reasons.append(await client.tencentFetchError()?.reason) }
        XCTAssertEqual(reasons, [.throttled, .http_status, .http_status, .bad_response, .bad_response, .upstream_error, .permission])
        let recovered = try await client.fetchBalance()
        XCTAssertEqual(recovered.available, 1234567.0)
    }

    func testTransportFailuresKeepTheirReason() async throws {
        struct Failing: HTTPTransport {
            let error: TransportError
            func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
                throw error
            }
        }
        for (error, reason) in [(TransportError.timeout, FailureReason.timeout), (.network("connection refused"), .network)] {
            let context = ProviderContext(transport: Failing(error: error), clock: TestClock(), logger: .discard,
                                          environment: [:], userAgent: "t")
            let client = try TencentCloud.makeClient(account: Rig().account(Rig.keys), context: context, readFile: { _ in nil })
            let failure = await client.tencentFetchError()
            XCTAssertEqual(failure?.reason, reason)
        }
    }

    // MARK: Temporary credentials

    func testAssumeRoleCredentialsAreCachedAndRefreshedBeforeExpiry() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys.merging(["role_arn": .string(Rig.roleArn), "role_duration": .duration(3600)]) { $1 })
        for _ in 0..<3 { _ = try await client.fetchBalance() }
        XCTAssertEqual(rig.sts.requestCount, 1, "one AssumeRole serves every fetch while the credentials are fresh")
        XCTAssertEqual(rig.billing.requestCount, 3)

        let assume = try XCTUnwrap(rig.sts.requests.first)
        XCTAssertEqual(assume.headers["X-TC-Action"], "AssumeRole")
        XCTAssertEqual(assume.headers["X-TC-Version"], "2018-08-13")
        XCTAssertEqual(assume.headers["X-TC-Region"], "ap-guangzhou")
        XCTAssertEqual(assume.headers["Authorization"]?.contains("/sts/tc3_request"), true)
        XCTAssertEqual(String(decoding: assume.body, as: UTF8.self),
                       #"{"RoleArn":"qcs::cam::uin/100000000001:roleName/balance-reader","RoleSessionName":"balance-exporter","DurationSeconds":3600}"#)
        XCTAssertEqual(rig.billing.requests.last?.headers["X-TC-Token"], "sts-token-1")
        XCTAssertEqual(rig.billing.requests.last?.headers["Authorization"]?.contains("Credential=AKIDsts1/"), true)

        rig.clock.advance(by: 3600 - 301)
        _ = try await client.fetchBalance()
        XCTAssertEqual(rig.sts.requestCount, 1, "still more than 300 s before expiry")
        rig.clock.advance(by: 2)
        _ = try await client.fetchBalance()
        XCTAssertEqual(rig.sts.requestCount, 2, "refreshed within 300 s of expiry")
        XCTAssertEqual(rig.billing.requests.last?.headers["X-TC-Token"], "sts-token-2")
    }

    func testTokenFailureRefreshesTheCredentialsAndRetriesOnce() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys.merging(["role_arn": .string(Rig.roleArn)]) { $1 })
        _ = try await client.fetchBalance()
        rig.billing.revokeToken(secretId: "AKIDsts1")

        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 1234567.0)
        XCTAssertEqual(rig.sts.requestCount, 2, "one refresh")
        XCTAssertEqual(rig.billing.requestCount, 3, "the rejected request and one retry")

        rig.billing.enqueueFaults([.error(code: "AuthFailure.TokenFailure", message: "expired"),
                                   .error(code: "AuthFailure.TokenFailure", message: "expired")])
        let error = await client.tencentFetchError()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "AuthFailure.TokenFailure")
        XCTAssertEqual(rig.sts.requestCount, 3, "exactly one refresh per fetch")
        XCTAssertEqual(rig.billing.requestCount, 5, "exactly one retry per fetch")
    }

    func testTokenFailureWithAConfiguredTokenIsNotRetried() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys.merging(["token": .string("configured-session-TOKEN")]) { $1 })
        rig.billing.enqueueFaults([.error(code: "AuthFailure.TokenFailure", message: "expired")])
        let error = await client.tencentFetchError()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(rig.billing.requestCount, 1)
        XCTAssertEqual(rig.billing.requests.last?.headers["X-TC-Token"], "configured-session-TOKEN")
    }

    func testAssumeRoleFailureIsReportedWithTheSTSCode() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys.merging(["role_arn": .string("qcs::cam::uin/1:roleName/missing")]) { $1 })
        let error = await client.tencentFetchError()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "InvalidParameter.RoleNotExist")
        XCTAssertEqual(error?.message.hasPrefix("STS AssumeRole:"), true)
        XCTAssertEqual(rig.billing.requestCount, 0)
    }

    func testCVMRoleCredentialsFromTheMetadataServiceAreCached() async throws {
        let rig = Rig()
        let client = try rig.client([:])
        for _ in 0..<3 { _ = try await client.fetchBalance() }
        XCTAssertEqual(rig.transport.exchanges.map(\.url.absoluteString).filter { $0.contains("9003") }, [
            "http://127.0.0.1:9003/latest/meta-data/cam/security-credentials/",
            "http://127.0.0.1:9003/latest/meta-data/cam/security-credentials/cvm-balance-role",
        ])
        XCTAssertEqual(rig.metadata.requests.map(\.path), [
            "/latest/meta-data/cam/security-credentials/",
            "/latest/meta-data/cam/security-credentials/cvm-balance-role",
        ])
        XCTAssertEqual(rig.billing.requests.last?.headers["X-TC-Token"], "cvm-token-1")

        rig.clock.advance(by: 7200 - 299)
        _ = try await client.fetchBalance()
        XCTAssertEqual(rig.metadata.requestCount, 4, "refetched within 300 s of ExpiredTime")
        XCTAssertEqual(rig.billing.requests.last?.headers["X-TC-Token"], "cvm-token-2")
    }

    func testEnvironmentCredentialsComeBeforeProfileFileAndRole() async throws {
        let rig = Rig()
        let environment = ["TENCENTCLOUD_SECRET_ID": Rig.secretId, "TENCENTCLOUD_SECRET_KEY": Rig.secretKey,
                           "TENCENTCLOUD_CREDENTIALS_FILE": "/cfg/tc"]
        let files = ["/cfg/tc": "[default]\nsecret_id = AKIDfromFile\nsecret_key = file-key\n"]
        _ = try await rig.client([:], environment: environment, files: files).fetchBalance()
        XCTAssertEqual(rig.billing.requests.last?.headers["Authorization"]?.contains("Credential=\(Rig.secretId)/"), true)
        XCTAssertEqual(rig.metadata.requestCount, 0)
    }

    func testProfileFileCredentials() async throws {
        let rig = Rig()
        let ini = "# Tencent Cloud\n[other]\nsecret_id = AKIDother\n\n[default]\r\nsecret_id = \(Rig.secretId)\r\nsecret_key = \(Rig.secretKey)\r\n"
        _ = try await rig.client([:], environment: ["HOME": "/home/exporter"],
                                 files: ["/home/exporter/.tencentcloud/credentials": ini]).fetchBalance()
        XCTAssertEqual(rig.billing.requests.last?.headers["Authorization"]?.contains("Credential=\(Rig.secretId)/"), true)

        let fromEtc = Rig()
        _ = try await fromEtc.client([:], files: ["/etc/tencentcloud/credentials": ini]).fetchBalance()
        XCTAssertEqual(fromEtc.metadata.requestCount, 0)
    }

    func testNoCredentialsAnywhereIsAnAuthFailureNamingWhereItLooked() async throws {
        let rig = Rig(metadataRole: nil)
        let error = try await rig.client([:], environment: ["HOME": "/home/x"]).tencentFetchError()
        XCTAssertEqual(error?.reason, .auth)
        let message = error?.message ?? ""
        for place in ["secret_id", "TENCENTCLOUD_SECRET_ID", "/home/x/.tencentcloud/credentials", "/etc/tencentcloud/credentials", "CVM role"] {
            XCTAssertTrue(message.contains(place), "message names \(place): \(message)")
        }
        XCTAssertEqual(rig.billing.requestCount, 0)
    }

    func testNoSecretOrTokenInAnyErrorText() async throws {
        let rig = Rig()
        let token = "session-TOKEN-value-123"
        rig.billing.addCredential(secretId: "AKIDtok", secretKey: "another-SECRET-key", account: "main")
        let client = try rig.client(["secret_id": .string("AKIDtok"), "secret_key": .string("another-SECRET-key"), "token": .string(token)])
        rig.billing.enqueueFaults([
            .error(code: "AuthFailure.SignatureFailure", message: "signature with another-SECRET-key and \(token) rejected"),
            .error(code: "InvalidParameter", message: "X-TC-Token \(token) invalid"), .httpStatus(500), .nonJSON, .truncatedJSON,
            .error(code: "AuthFailure.TokenFailure", message: "token \(token) expired"),
        ])
        var texts: [String] = []
        for _ in 0..<6 {
            if let error = await client.tencentFetchError() { texts.append(String(describing: error)) }
        }
        let wrongKey = try rig.client(["secret_id": .string("AKIDtok"), "secret_key": .string("WRONG-SECRET-typed")])
        if let error = await wrongKey.tencentFetchError() { texts.append(String(describing: error)) }
        XCTAssertEqual(texts.count, 7)
        for text in texts {
            for secret in ["another-SECRET-key", token, "WRONG-SECRET-typed", Rig.secretKey] {
                XCTAssertFalse(text.contains(secret), text)
            }
        }
        XCTAssertTrue(texts[0].contains("<redacted>"))
    }

    func testASecretStraddlingTheLengthCapIsScrubbedBeforeTheCut() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys)
        // The key starts 5 characters before 200, where the message used to be cut before scrubbing.
        let message = String(repeating: "x", count: 195) + Rig.secretKey + String(repeating: "y", count: 1000)
        rig.billing.enqueueFaults([.error(code: "InvalidParameter", message: message)])
        let failure = await client.tencentFetchError()
        let error = try XCTUnwrap(failure)
        XCTAssertFalse(error.message.contains(String(Rig.secretKey.prefix(5))), error.message)
        XCTAssertTrue(error.message.contains(UpstreamText.placeholder))
        XCTAssertEqual(error.message.count, UpstreamText.maxMessage + 1, "cut, with its mark")
        XCTAssertTrue(error.message.hasSuffix("y…"))
    }

    func testAnEmptyUpstreamCodeIsNoCodeAndNotAnEmptyLogField() async throws {
        let rig = Rig()
        let client = try rig.client(Rig.keys)
        rig.billing.enqueueFaults([.error(code: "", message: "")])
        let failure = await client.tencentFetchError()
        let error = try XCTUnwrap(failure)
        XCTAssertEqual(error.reason, .upstream_error)
        XCTAssertNil(error.code)
        XCTAssertEqual(error.requestID, "sim-billing-1")
    }
}
