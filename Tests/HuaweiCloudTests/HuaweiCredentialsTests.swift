import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud

/// Where credentials and the account id come from, as the official SDK finds
/// them: environment, credentials file, ECS metadata, IAM. All pure.
final class HuaweiCredentialsTests: XCTestCase {
    private let exchange = HuaweiResponse.Exchange(endpoint: HTTPURL(string: "http://169.254.169.254")!, now: 1_800_000_000,
                                                   secrets: [])

    private func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [:], body: Array(body.utf8))
    }

    // MARK: Environment

    func testEnvironmentOfTheOfficialSDK() throws {
        let profile = try XCTUnwrap(HuaweiProfile.environment([
            "HUAWEICLOUD_SDK_AK": "AKENV", "HUAWEICLOUD_SDK_SK": " SKENV\n", "HUAWEICLOUD_SDK_SECURITY_TOKEN": "TOKEN",
            "HUAWEICLOUD_SDK_DOMAIN_ID": "0123456789abcdef0123456789abcdef", "HUAWEICLOUD_SDK_IAM_ENDPOINT": "https://iam.example",
        ]))
        XCTAssertEqual(profile.credentials, HuaweiCredentials(accessKey: "AKENV", secretKey: "SKENV", securityToken: "TOKEN", source: "environment"))
        XCTAssertEqual(profile.domainId, "0123456789abcdef0123456789abcdef")
        XCTAssertEqual(profile.iamEndpoint, "https://iam.example")
        XCTAssertNil(HuaweiProfile.environment(["HUAWEICLOUD_SDK_AK": "AKENV"]), "an AK without its SK is no credentials")
        XCTAssertNil(HuaweiProfile.environment(["HUAWEICLOUD_SDK_AK": "AKENV", "HUAWEICLOUD_SDK_SK": "  "]))
    }

    // MARK: Credentials file

    func testCredentialsFilePathFromTheEnvironment() {
        XCTAssertEqual(HuaweiCredentialsFile.path(environment: ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": "/run/hw", "HOME": "/home/u"]), "/run/hw")
        XCTAssertEqual(HuaweiCredentialsFile.path(environment: ["HOME": "/home/u/"]), "/home/u/.huaweicloud/credentials")
        XCTAssertNil(HuaweiCredentialsFile.path(environment: [:]))
    }

    func testGlobalSectionAsConfigparserReadsIt() throws {
        let text = """
            # credentials
            [basic]
            ak = REGIONAL
            sk = regional

            [global]
            AK = AKFILE
            sk: skfile = with = equals
            ; a comment
            domain_id=0123456789abcdef0123456789abcdef\r
            security_token =
            iam_endpoint = https://iam.ap-southeast-1.myhuaweicloud.com
            """
        let profile = try XCTUnwrap(HuaweiCredentialsFile.profile(fromINI: text, path: "/f"))
        XCTAssertEqual(profile.credentials, HuaweiCredentials(accessKey: "AKFILE", secretKey: "skfile = with = equals",
                                                              source: "credentials file /f"))
        XCTAssertEqual(profile.domainId, "0123456789abcdef0123456789abcdef")
        XCTAssertEqual(profile.iamEndpoint, "https://iam.ap-southeast-1.myhuaweicloud.com")
        XCTAssertNil(HuaweiCredentialsFile.profile(fromINI: "[basic]\nak = A\nsk = B\n", path: "/f"), "BSS is global: [global] only")
        XCTAssertNil(HuaweiCredentialsFile.profile(fromINI: "[global]\nak = A\n", path: "/f"))
    }

    // MARK: ECS metadata

    func testMetadataKeysWithTheirExpiry() throws {
        let body = #"{"credential": {"access": "HSTAMETA", "secret": "meta-secret", "securitytoken": "meta-token", "expires_at": "2027-01-15T09:00:00.123456Z"}}"#
        let credentials = try HuaweiMetadataCredentials.parse(response(200, body), exchange)
        XCTAssertEqual(credentials, HuaweiCredentials(accessKey: "HSTAMETA", secretKey: "meta-secret", securityToken: "meta-token",
                                                      expiresAt: 1_800_003_600, source: "ECS metadata"))
        XCTAssertEqual(HuaweiMetadataCredentials.parseExpiry("2027-01-15T09:00:00Z"), 1_800_003_600)
        for bad in ["2027-01-15 09:00:00Z", "2027-01-15T09:00:00", "2027-13-15T09:00:00Z", "2027-01-15T09:00:00.Z", "2027-01-15T09:00:00.1x2Z", ""] {
            XCTAssertNil(HuaweiMetadataCredentials.parseExpiry(bad), bad)
        }
    }

    func testMetadataFailures() throws {
        func reason(_ status: Int, _ body: String) -> FailureReason? {
            do { _ = try HuaweiMetadataCredentials.parse(response(status, body), exchange); return nil } catch { return error.reason }
        }
        XCTAssertEqual(reason(401, "Please configure Cloud Service Agency first"), .auth)
        XCTAssertEqual(reason(401, "Unauthorized"), .auth)
        XCTAssertEqual(reason(500, "oops"), .http_status)
        XCTAssertEqual(reason(200, #"{"credential": {"access": "A", "secret": "S", "expires_at": "2027-01-15T09:00:00Z"}}"#), .bad_response)
        XCTAssertEqual(reason(200, #"{"credential": {"access": "A", "secret": "S", "securitytoken": "T", "expires_at": "soon"}}"#), .bad_response)
        XCTAssertEqual(reason(200, "<html>"), .bad_response)
        XCTAssertTrue(HuaweiMetadataCredentials.isSessionTokenRejected(response(401, "Unauthorized")))
        XCTAssertFalse(HuaweiMetadataCredentials.isSessionTokenRejected(response(401, "Please configure Cloud Service Agency first")))
        XCTAssertFalse(HuaweiMetadataCredentials.isSessionTokenRejected(response(404, "Not Found")))
    }

    func testMetadataSessionToken() {
        XCTAssertEqual(HuaweiMetadataCredentials.sessionToken(response(200, " abc-DEF_123=\n")), "abc-DEF_123=")
        XCTAssertNil(HuaweiMetadataCredentials.sessionToken(response(404, "abc")))
        XCTAssertNil(HuaweiMetadataCredentials.sessionToken(response(200, "two words")))
        XCTAssertNil(HuaweiMetadataCredentials.sessionToken(response(200, "")))
        XCTAssertNil(HuaweiMetadataCredentials.sessionToken(response(200, String(repeating: "a", count: 5000))))
    }

    // MARK: IAM domain id

    func testDomainIdFromIAM() throws {
        let body = """
            {"domains": [{"id": "0123456789abcdef0123456789abcdef", "name": "acme", "enabled": true, "description": "",
              "links": {"self": "https://iam.myhuaweicloud.com/v3/domains/0123456789abcdef0123456789abcdef"}}],
             "links": {"self": "https://iam.myhuaweicloud.com/v3/auth/domains", "previous": null, "next": null}}
            """
        let identity = try HuaweiIdentityResponse.parse(response(200, body), exchange)
        XCTAssertEqual(identity, HuaweiIdentityResponse(domainId: "0123456789abcdef0123456789abcdef", domainName: "acme"))
        for bad in [#"{"domains": []}"#, #"{"links": {}}"#, #"{"domains": [{"id": "a b"}]}"#, #"{"domains": [{"id": 5}]}"#,
                    #"{"domains": [{"id": "\#(String(repeating: "a", count: 65))"}]}"#] {
            XCTAssertThrowsError(try HuaweiIdentityResponse.parse(response(200, bad), exchange), bad) { error in
                XCTAssertEqual((error as! ProviderError).reason, .bad_response)
            }
        }
    }
}
