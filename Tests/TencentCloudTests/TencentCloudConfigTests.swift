import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceSimulators
@testable import BalanceTencentCloud

final class TencentCloudConfigTests: XCTestCase {
    private let context = ProviderContext(transport: HandlerTransport(handler: TencentCloudSimulator(clock: TestClock())),
                                          clock: TestClock(), logger: .discard, environment: [:], userAgent: "t")

    private func problems(_ values: [String: ConfigValue], endpoint: String = "https://billing.intl.tencentcloudapi.com") -> [String?] {
        let account = AccountConfig(name: "prod", provider: "tencentcloud", endpoint: endpoint, refreshInterval: 60, values: values)
        do {
            _ = try TencentCloud.schema.make(account, context)
            return []
        } catch {
            XCTAssertTrue(error.problems.allSatisfy { $0.location == "account \"prod\"" })
            return error.problems.map(\.key)
        }
    }

    func testSchemaDefaults() {
        let schema = TencentCloud.schema
        XCTAssertEqual(schema.name, "tencentcloud")
        XCTAssertEqual(schema.defaultEndpoint, "https://billing.intl.tencentcloudapi.com")
        XCTAssertNil(schema.defaultRequestsPerSecond, "limits count per account, not provider-wide")
        XCTAssertEqual(schema.defaultRequestsPerSecondPerIdentity, 10)
        XCTAssertEqual(schema.defaultMaxConcurrency, 64)
        XCTAssertEqual(Set(schema.keys.filter(\.secret).map(\.name)), ["secret_id", "secret_key", "token"])
        XCTAssertEqual(Set(schema.keys.map(\.name)), ["secret_id", "secret_key", "token", "temp_credit", "region", "language",
                                                       "role_arn", "role_session_name", "role_duration", "sts_endpoint",
                                                       "sts_region", "metadata_endpoint", "request_timeout"])
        XCTAssertTrue(schema.keys.allSatisfy { !$0.required })
    }

    func testValidAccountsBuild() {
        XCTAssertEqual(problems([:]), [])
        XCTAssertEqual(problems(["secret_id": .string("AKID"), "secret_key": .string("k"), "language": .string("zh-CN"),
                                 "role_arn": .string("qcs::cam::uin/1:roleName/r"), "role_duration": .duration(43200)]), [])
        XCTAssertEqual(problems([:], endpoint: "http://[::1]:8080"), [])
    }

    func testInvalidAccountsNameTheKey() {
        XCTAssertEqual(problems(["secret_id": .string("AKID")]), ["secret_key"])
        XCTAssertEqual(problems(["secret_key": .string("k")]), ["secret_id"])
        XCTAssertEqual(problems(["token": .string("t")]), ["token"])
        XCTAssertEqual(problems(["language": .string("fr-FR")]), ["language"])
        XCTAssertEqual(problems(["role_arn": .string("arn"), "role_duration": .duration(43201)]), ["role_duration"])
        XCTAssertEqual(problems(["role_session_name": .string("s")]), ["role_session_name"])
        XCTAssertEqual(problems(["request_timeout": .duration(0)]), ["request_timeout"])
        XCTAssertEqual(problems(["metadata_endpoint": .string("metadata")]), ["metadata_endpoint"])
        XCTAssertEqual(problems([:], endpoint: "ftp://billing.tencentcloudapi.com"), ["endpoint"])
    }

    func testEndpointHostHeaderAndService() throws {
        let cases: [(String, String, String)] = [
            ("https://billing.intl.tencentcloudapi.com", "billing.intl.tencentcloudapi.com", "billing"),
            ("https://billing.tencentcloudapi.com:443/", "billing.tencentcloudapi.com", "billing"),
            ("https://sts.tencentcloudapi.com", "sts.tencentcloudapi.com", "sts"),
            ("http://127.0.0.1:9001", "127.0.0.1:9001", "billing"),
            ("http://[::1]:9001", "[::1]:9001", "billing"),
            ("http://LOCALHOST", "localhost", "billing"),
        ]
        for (text, host, service) in cases {
            let endpoint = try XCTUnwrap(TencentEndpoint(text, defaultService: "billing"), text)
            XCTAssertEqual(endpoint.hostHeader, host, text)
            XCTAssertEqual(endpoint.service, service, text)
            XCTAssertEqual(endpoint.path, "/", text)
        }
    }

    func testProfileINIParsing() {
        let text = """
            ; comment
            stray = ignored
            [default]
            secret_id = AKIDone
            secret_key="quoted key"
            # another comment
            [ prod ]
            secret_id=AKIDprod
            no equals sign here
            """
        XCTAssertEqual(TencentCredentialsProfile.parseINI(text), [
            "default": ["secret_id": "AKIDone", "secret_key": "quoted key"],
            "prod": ["secret_id": "AKIDprod"],
        ])
        XCTAssertEqual(TencentCredentialsProfile.credentials(fromINI: text, path: "/p")?.secretKey, "quoted key")
        XCTAssertNil(TencentCredentialsProfile.credentials(fromINI: "[prod]\nsecret_id=a\nsecret_key=b", path: "/p"))
        XCTAssertNil(TencentCredentialsProfile.credentials(fromINI: "[default]\nsecret_id=a\nsecret_key=", path: "/p"))
    }

    func testProfilePathsFollowTheSDKOrder() {
        XCTAssertEqual(TencentCredentialsProfile.candidatePaths(environment: ["TENCENTCLOUD_CREDENTIALS_FILE": "/x", "HOME": "/h"]),
                       ["/x", "/h/.tencentcloud/credentials", "/etc/tencentcloud/credentials"])
        XCTAssertEqual(TencentCredentialsProfile.candidatePaths(environment: [:]), ["/etc/tencentcloud/credentials"])
    }
}
