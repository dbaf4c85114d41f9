import BalanceTestSupport
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceHTTP

/// Where credentials and the `uin` come from, pure: STS answers, the ECS
/// metadata service's answers, the environment and the credentials file.
final class AlibabaCredentialsTests: XCTestCase {
    static let now = 1_800_000_000.0
    static let role = AlibabaRole(arn: "acs:ram::1968132000120001:role/reader", sessionName: "balance-exporter", durationSeconds: 3600)

    private func response(_ body: String, status: Int = 200, headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    private func error<T>(_ body: () throws(ProviderError) -> T) -> ProviderError? {
        do {
            let value = try body()
            XCTFail("expected a failure, got \(value)")
            return nil
        } catch {
            return error
        }
    }

    // MARK: GetCallerIdentity

    func testCallerIdentityGivesTheMainAccountAsAString() throws {
        let identity = try AlibabaSTS.identity(response(#"{"IdentityType":"RAMUser","AccountId":"1968132000120001","RequestId":"r-1","PrincipalId":"2169593390001234","UserId":"2169593390001234","Arn":"acs:ram::1968132000120001:user/admin"}"#),
                                               now: Self.now, removing: [])
        XCTAssertEqual(identity, AlibabaSTS.Identity(accountID: "1968132000120001", identityType: "RAMUser",
                                                     arn: "acs:ram::1968132000120001:user/admin", requestID: "r-1"))
        let numeric = try AlibabaSTS.identity(response(#"{"AccountId":19681320001200011234,"RequestId":"r"}"#), now: Self.now, removing: [])
        XCTAssertEqual(numeric.accountID, "19681320001200011234", "every digit, beyond Int64")
    }

    func testCallerIdentityWithoutAnAccountIsABadResponseAndErrorsAreClassified() {
        for body in [#"{"RequestId":"r"}"#, #"{"AccountId":"","RequestId":"r"}"#, #"{"AccountId":1.5}"#, "<html>"] {
            XCTAssertEqual(error { () throws(ProviderError) in try AlibabaSTS.identity(response(body), now: Self.now, removing: []) }?.reason,
                           .bad_response, body)
        }
        let failed = error { () throws(ProviderError) in
            try AlibabaSTS.identity(response(#"{"Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found.","RequestId":"r"}"#,
                                             status: 404), now: Self.now, removing: [])
        }
        XCTAssertEqual(failed, ProviderError(.auth, code: "InvalidAccessKeyId.NotFound",
                                             message: "GetCallerIdentity: Specified access key is not found.", requestID: "r"))
    }

    // MARK: AssumeRole

    func testAssumeRoleGivesTemporaryCredentialsExpiringAtExpiration() throws {
        let credentials = try AlibabaSTS.assumedRole(response(#"{"RequestId":"r","AssumedRoleUser":{"AssumedRoleId":"3xx:balance-exporter","Arn":"acs:ram::1968132000120001:role/reader/balance-exporter"},"Credentials":{"AccessKeyId":"STS.NUgYrLno","AccessKeySecret":"sts-secret","SecurityToken":"CAIS+token","Expiration":"2026-01-02T04:04:05Z"}}"#),
                                                     role: Self.role, now: Self.now, removing: [])
        XCTAssertEqual(credentials, AlibabaCredentials(accessKeyId: "STS.NUgYrLno", accessKeySecret: "sts-secret", securityToken: "CAIS+token",
                                                       expiresAt: 1_767_326_645, source: "STS role acs:ram::1968132000120001:role/reader"))
    }

    func testAssumeRoleAnswerMissingAPartIsABadResponse() {
        let parts = [#""AccessKeyId":"STS.a""#, #""AccessKeySecret":"s""#, #""SecurityToken":"t""#, #""Expiration":"2026-01-02T04:04:05Z""#]
        for left in parts.indices {
            let credentials = parts.enumerated().filter { $0.offset != left }.map(\.element).joined(separator: ",")
            let body = #"{"RequestId":"r","Credentials":{\#(credentials)}}"#
            XCTAssertEqual(error { () throws(ProviderError) in
                try AlibabaSTS.assumedRole(response(body), role: Self.role, now: Self.now, removing: [])
            }?.reason, .bad_response, body)
        }
        let unreadable = #"{"Credentials":{"AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"in an hour"}}"#
        XCTAssertEqual(error { () throws(ProviderError) in
            try AlibabaSTS.assumedRole(response(unreadable), role: Self.role, now: Self.now, removing: [])
        }?.reason, .bad_response)
    }

    func testAssumeRoleErrorsAreScrubbedOfTheBaseSecret() {
        let failed = error { () throws(ProviderError) in
            try AlibabaSTS.assumedRole(response(#"{"Code":"NoPermission","Message":"not allowed with base-secret-77","RequestId":"r"}"#, status: 403),
                                       role: Self.role, now: Self.now, removing: ["base-secret-77"])
        }
        XCTAssertEqual(failed?.reason, .permission)
        XCTAssertEqual(failed?.message.contains("base-secret-77"), false)
    }

    // MARK: ECS metadata

    func testMetadataTokenRoleAndCredentials() throws {
        XCTAssertEqual(try AlibabaInstanceMetadata.token(response("AQAEAGvAbC-token_1==\n")), "AQAEAGvAbC-token_1==")
        XCTAssertEqual(try AlibabaInstanceMetadata.roleName(response("EcsBalanceRole\n")), "EcsBalanceRole")
        let credentials = try AlibabaInstanceMetadata.credentials(response(#"{"AccessKeyId":"STS.ecs","AccessKeySecret":"ecs-secret","Expiration":"2026-01-02T09:04:05Z","SecurityToken":"ecs-token","LastUpdated":"2026-01-02T03:04:05Z","Code":"Success"}"#),
                                                                  role: "EcsBalanceRole")
        XCTAssertEqual(credentials, AlibabaCredentials(accessKeyId: "STS.ecs", accessKeySecret: "ecs-secret", securityToken: "ecs-token",
                                                       expiresAt: 1_767_344_645, source: "ECS RAM role EcsBalanceRole"))
    }

    func testMetadataFailures() {
        XCTAssertEqual(error { () throws(ProviderError) in try AlibabaInstanceMetadata.roleName(response("Not Found", status: 404)) }?.message,
                       "ECS metadata role listing: HTTP status 404 (no RAM role attached to the instance?)")
        for listing in ["", "\n", "role with spaces", "../../etc", String(repeating: "r", count: 65)] {
            XCTAssertEqual(error { () throws(ProviderError) in try AlibabaInstanceMetadata.roleName(response(listing)) }?.reason, .auth, listing)
        }
        for token in ["", "two words", "tab\there", "\u{7F}"] {
            XCTAssertEqual(error { () throws(ProviderError) in try AlibabaInstanceMetadata.token(response(token)) }?.reason, .bad_response, token)
        }
        XCTAssertEqual(error { () throws(ProviderError) in try AlibabaInstanceMetadata.token(response("", status: 403)) }?.reason, .http_status)
        let refused = error { () throws(ProviderError) in
            try AlibabaInstanceMetadata.credentials(response(#"{"Code":"Failed","Message":"token ecs-token-9 is stale","SecurityToken":"ecs-token-9"}"#),
                                                    role: "R")
        }
        XCTAssertEqual(refused?.reason, .auth)
        XCTAssertEqual(refused?.code, "Failed")
        XCTAssertEqual(refused?.message, "ECS RAM role R credentials not issued: token <redacted> is stale")
        XCTAssertEqual(error { () throws(ProviderError) in
            try AlibabaInstanceMetadata.credentials(response(#"{"Code":"Success","AccessKeyId":"STS.ecs"}"#), role: "R")
        }?.reason, .bad_response)
        XCTAssertEqual(error { () throws(ProviderError) in try AlibabaInstanceMetadata.credentials(response("<html>"), role: "R") }?.reason,
                       .bad_response)
    }

    // MARK: Environment

    func testEnvironmentKeysAndTokenAndHalfAPair() throws {
        XCTAssertNil(try AlibabaCredentialSources.environment([:]))
        XCTAssertNil(try AlibabaCredentialSources.environment(["ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""]))
        XCTAssertEqual(try AlibabaCredentialSources.environment(["ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"]),
                       AlibabaCredentials(accessKeyId: "LTAIenv", accessKeySecret: "env-secret", source: "environment"))
        XCTAssertEqual(try AlibabaCredentialSources.environment(["ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.env", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s",
                                                                 "ALIBABA_CLOUD_SECURITY_TOKEN": "tok"])?.securityToken, "tok")
        XCTAssertEqual(error { () throws(ProviderError) in try AlibabaCredentialSources.environment(["ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv"]) },
                       ProviderError(.auth, message: "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not"))
        XCTAssertEqual(error { () throws(ProviderError) in try AlibabaCredentialSources.environment(["ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"]) },
                       ProviderError(.auth, message: "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not"))
    }

    // MARK: Credentials file

    func testCredentialsFilePathsAndProfileName() {
        XCTAssertEqual(AlibabaCredentialSources.candidatePaths(environment: ["HOME": "/home/ops"]),
                       ["/home/ops/.alibabacloud/credentials", "/home/ops/.alibabacloud/credentials.ini"])
        XCTAssertEqual(AlibabaCredentialSources.candidatePaths(environment: ["HOME": "/root/", "ALIBABA_CLOUD_CREDENTIALS_FILE": "/etc/ali.ini"]),
                       ["/etc/ali.ini"])
        XCTAssertEqual(AlibabaCredentialSources.candidatePaths(environment: [:]), [])
        XCTAssertEqual(AlibabaCredentialSources.profileName(environment: [:]), "default")
        XCTAssertEqual(AlibabaCredentialSources.profileName(environment: ["ALIBABA_CLOUD_PROFILE": "billing"]), "billing")
    }

    func testCredentialsFileProfiles() throws {
        let file = """
            # written by hand
            [default]
            enable = true
            type = access_key                  # certification type: access_key
            access_key_id = LTAIfile
            access_key_secret = "file-secret"

            [client1]
            type = ecs_ram_role
            role_name = EcsRamRoleTest

            [client2]
            type = ram_role_arn
            access_key_id = LTAIbase
            access_key_secret = base-secret
            role_arn = acs:ram::1968132000120001:role/reader
            role_session_name = session_name_example

            [broken]
            type = access_key
            access_key_id = LTAIonly

            [oidc]
            type = oidc_role_arn
            """
        func profile(_ name: String) throws(ProviderError) -> AlibabaCredentialSources.Profile? {
            try AlibabaCredentialSources.profile(fromINI: file, path: "/home/ops/.alibabacloud/credentials", name: name)
        }
        XCTAssertEqual(try profile("default"), .accessKey(AlibabaCredentials(
            accessKeyId: "LTAIfile", accessKeySecret: "file-secret",
            source: "credentials file /home/ops/.alibabacloud/credentials, section [default]")))
        XCTAssertEqual(try profile("client1"), .ecsRAMRole(roleName: "EcsRamRoleTest"))
        guard case .ramRoleARN(let base, let arn, let session)? = try profile("client2") else { return XCTFail("client2") }
        XCTAssertEqual(base.accessKeyId, "LTAIbase")
        XCTAssertEqual(arn, "acs:ram::1968132000120001:role/reader")
        XCTAssertEqual(session, "session_name_example")
        XCTAssertNil(try profile("absent"))
        XCTAssertEqual(error { () throws(ProviderError) in try profile("broken") }?.message,
                       "credentials file /home/ops/.alibabacloud/credentials, section [broken]: access_key_secret is missing")
        XCTAssertEqual(error { () throws(ProviderError) in try profile("oidc") }?.message,
                       #"credentials file /home/ops/.alibabacloud/credentials, section [oidc]: type "oidc_role_arn" is not supported (access_key, ecs_ram_role or ram_role_arn)"#)
    }

    func testCredentialsNeverPrintTheSecretOrTheToken() {
        let credentials = AlibabaCredentials(accessKeyId: "LTAIvisible", accessKeySecret: "SECRET-x", securityToken: "TOKEN-y", source: "test")
        XCTAssertEqual("\(credentials)", "AlibabaCredentials(accessKeyId: LTAIvisible, source: test)")
        XCTAssertEqual(credentials.secrets, ["SECRET-x", "TOKEN-y"])
    }
}
