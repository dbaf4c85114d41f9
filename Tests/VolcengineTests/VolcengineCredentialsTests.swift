import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceVolcengine

/// Where Volcengine credentials come from, as pure values: the SDKs'
/// environment, the STS AssumeRole answer, the ECS instance role answer.
final class VolcengineCredentialsTests: XCTestCase {
    private let role = VolcengineRole(trn: "trn:iam::2100000000:role/reader", sessionName: "balance-exporter")

    // MARK: Environment

    func testEnvironmentOfTheCurrentSDKsWinsWithItsSessionToken() {
        let found = VolcengineCredentials.fromEnvironment([
            "VOLCENGINE_ACCESS_KEY": "AKLTnew", "VOLCENGINE_SECRET_KEY": " new-secret\n", "VOLCENGINE_SESSION_TOKEN": "token",
            "VOLC_ACCESSKEY": "AKLTold", "VOLC_SECRETKEY": "old-secret",
        ])
        XCTAssertEqual(found, VolcengineCredentials(accessKeyId: "AKLTnew", secretAccessKey: "new-secret", sessionToken: "token",
                                                    source: "environment"))
    }

    func testTheOlderSDKsVariablesAreTheFallbackAndOnlyWholePairsCount() {
        let old = VolcengineCredentials(accessKeyId: "AKLTold", secretAccessKey: "old-secret", source: "environment")
        XCTAssertEqual(VolcengineCredentials.fromEnvironment(["VOLC_ACCESSKEY": "AKLTold", "VOLC_SECRETKEY": "old-secret"]), old)
        XCTAssertEqual(VolcengineCredentials.fromEnvironment(["VOLCENGINE_ACCESS_KEY": "AKLTnew", "VOLCENGINE_SECRET_KEY": "",
                                                               "VOLCENGINE_SESSION_TOKEN": "token",
                                                               "VOLC_ACCESSKEY": "AKLTold", "VOLC_SECRETKEY": "old-secret"]), old,
                       "a half pair is no pair, and the older SDK has no session token")
        XCTAssertNil(VolcengineCredentials.fromEnvironment(["VOLCENGINE_ACCESS_KEY": "AKLTnew", "VOLC_SECRETKEY": "old-secret"]))
        XCTAssertNil(VolcengineCredentials.fromEnvironment(["VOLCENGINE_ACCESS_KEY": " ", "VOLCENGINE_SECRET_KEY": "s"]))
        XCTAssertNil(VolcengineCredentials.fromEnvironment([:]))
    }

    func testDescriptionNamesNoSecret() {
        let credentials = VolcengineCredentials(accessKeyId: "AKLTid", secretAccessKey: "the-secret", sessionToken: "the-token", source: "test")
        XCTAssertFalse("\(credentials)".contains("the-secret"))
        XCTAssertFalse("\(credentials)".contains("the-token"))
        XCTAssertEqual(credentials.secrets, ["the-secret", "the-token"])
    }

    // MARK: STS AssumeRole

    private func assume(_ body: String, status: Int = 200) throws(ProviderError) -> VolcengineCredentials {
        try VolcengineAssumeRole.credentials(HTTPResponse(status: status, body: Array(body.utf8)), role: role, now: 1_800_000_000,
                                             secrets: ["base-secret"])
    }

    func testAssumeRoleAnswerGivesTemporaryKeysExpiringAtExpiredTime() throws {
        let credentials = try assume(#"""
            {"ResponseMetadata":{"RequestId":"sts-1","Action":"AssumeRole","Version":"2018-01-01","Service":"sts","Region":"cn-north-1"},
             "Result":{"Credentials":{"CurrentTime":"2027-01-15T16:00:00+08:00","ExpiredTime":"2027-01-15T17:00:00+08:00",
               "AccessKeyId":"AKTPsts","SecretAccessKey":"sts-secret","SessionToken":"STStoken"},
               "AssumedRoleUser":{"Trn":"trn:sts::2100000000:assumed-role/reader/balance-exporter","AssumedRoleId":"1:balance-exporter"}}}
            """#)
        XCTAssertEqual(credentials, VolcengineCredentials(accessKeyId: "AKTPsts", secretAccessKey: "sts-secret", sessionToken: "STStoken",
                                                          expiresAt: 1_800_003_600, source: "STS role trn:iam::2100000000:role/reader"))
    }

    func testAssumeRoleFailuresAreClassifiedNamedAndScrubbed() {
        let cases: [(String, Int, FailureReason)] = [
            (#"{"ResponseMetadata":{"RequestId":"r","Error":{"Code":"AccessDenied","Message":"not allowed with base-secret"}}}"#, 403, .permission),
            (#"{"ResponseMetadata":{"RequestId":"r","Error":{"Code":"SignatureDoesNotMatch","Message":"m"}}}"#, 401, .auth),
            (#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Credentials":{"AccessKeyId":"AKTP","SecretAccessKey":"s","SessionToken":"t"}}}"#, 200, .bad_response),
            (#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Credentials":{"AccessKeyId":"AKTP","SecretAccessKey":"s","ExpiredTime":"2027-01-15T17:00:00+08:00"}}}"#, 200, .bad_response),
            (#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Credentials":{"AccessKeyId":"AKTP","SecretAccessKey":"s","SessionToken":"t","ExpiredTime":"1800003600"}}}"#, 200, .bad_response),
            ("<html>bad gateway</html>", 502, .http_status),
        ]
        for (body, status, reason) in cases {
            do {
                let credentials = try assume(body, status: status)
                XCTFail("expected a failure, got \(credentials)")
            } catch {
                XCTAssertEqual(error.reason, reason, body)
                XCTAssertTrue(error.message.hasPrefix("STS AssumeRole: "), error.message)
                XCTAssertFalse(error.message.contains("base-secret"), error.message)
            }
        }
    }

    // MARK: ECS instance role

    func testInstanceRoleAnswer() throws {
        let body = Array(#"{"AccessKeyId":"AKTPecs","SecretAccessKey":"ecs-secret","SessionToken":"ecs-token","ExpiredTime":"2027-01-15T08:00:00Z"}"#.utf8)
        XCTAssertEqual(try VolcengineInstanceRole.credentials(status: 200, body: body, role: "reader"),
                       VolcengineCredentials(accessKeyId: "AKTPecs", secretAccessKey: "ecs-secret", sessionToken: "ecs-token",
                                             expiresAt: 1_800_000_000, source: "ECS role reader"))
        for (status, body, reason) in [(404, "Not Found", FailureReason.http_status), (200, "reader", .bad_response),
                                       (200, #"{"AccessKeyId":"AKTPecs","SecretAccessKey":"s"}"#, .bad_response)] {
            XCTAssertThrowsError(try VolcengineInstanceRole.credentials(status: status, body: Array(body.utf8), role: "reader")) { error in
                XCTAssertEqual((error as? ProviderError)?.reason, reason, body)
            }
        }
    }

    // MARK: RFC 3339

    func testRFC3339TimesWithZonesAndFractions() {
        let cases: [(String, Double)] = [
            ("2027-01-15T08:00:00Z", 1_800_000_000), ("2027-01-15T16:00:00+08:00", 1_800_000_000),
            ("2027-01-15T02:30:00-05:30", 1_800_000_000), ("2027-01-15t08:00:00.25z", 1_800_000_000.25),
            ("2027-01-15 08:00:00Z", 1_800_000_000), ("2024-02-29T00:00:00Z", 1_709_164_800),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(VolcengineTime.parseRFC3339(text), expected, text)
        }
        for text in ["2027-01-15T08:00:00", "2027-01-15T08:00:00+0800", "2026-02-29T00:00:00Z", "2027-13-01T00:00:00Z",
                     "2027-01-15T24:00:00Z", "2027-01-15T08:00:00.Z", "2027-1-15T08:00:00Z", "1800000000", ""] {
            XCTAssertNil(VolcengineTime.parseRFC3339(text), text)
        }
    }
}
