import BalanceTestSupport
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceSupport

/// The account keys, validated: every problem of an account at once, in the
/// one location format; the schema's defaults.
final class AlibabaSettingsTests: XCTestCase {
    private func account(_ values: [String: ConfigValue], endpoint: String = AlibabaCloud.defaultEndpoint) -> AccountConfig {
        AccountConfig(name: "ali", provider: "alibabacloud", endpoint: endpoint, refreshInterval: 60, values: values,
                      location: #"accounts[3] "ali""#)
    }

    private func problems(_ values: [String: ConfigValue], endpoint: String = AlibabaCloud.defaultEndpoint) -> [String] {
        do {
            _ = try AlibabaCloudSettings(account: account(values, endpoint: endpoint), defaultTimeout: 10)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    func testDefaults() throws {
        let settings = try AlibabaCloudSettings(account: account(["access_key_id": .string("LTAIx"), "access_key_secret": .string("s")]),
                                                defaultTimeout: 10)
        XCTAssertEqual(settings.endpoint.hostHeader, "business.aliyuncs.com")
        XCTAssertEqual(settings.stsEndpoint.hostHeader, "sts.aliyuncs.com")
        XCTAssertEqual(settings.metadataEndpoint.host, "100.100.100.200")
        XCTAssertEqual(settings.keys?.source, "account config")
        XCTAssertNil(settings.role)
        XCTAssertEqual(settings.requestTimeout, 10)
        XCTAssertFalse(settings.pinsUIN)
        let regional = try AlibabaCloudSettings(account: account(["sts_region": .string("ap-southeast-1"), "role_arn": .string("acs:ram::1:role/r")]),
                                                defaultTimeout: 10)
        XCTAssertEqual(regional.stsEndpoint.hostHeader, "sts.ap-southeast-1.aliyuncs.com")
        XCTAssertEqual(regional.role, AlibabaRole(arn: "acs:ram::1:role/r", sessionName: "balance-exporter", durationSeconds: 3600))
    }

    func testEveryProblemAtOnce() {
        XCTAssertEqual(problems([
            "access_key_secret": .string("s"), "sts_endpoint": .string("ftp://x"), "sts_region": .string("CN_Hangzhou"),
            "role_arn": .string("arn:aws:iam::1:role/r"), "role_session_name": .string("a b"), "role_duration": .duration(60),
            "metadata_endpoint": .string("nope"), "request_timeout": .duration(0),
        ], endpoint: "https://business.aliyuncs.com/?x=1"), [
            #"accounts[3] "ali": endpoint: not an http:// or https:// URL with a host and without a query: https://business.aliyuncs.com/?x=1"#,
            #"accounts[3] "ali": access_key_id: required when access_key_secret is set"#,
            #"accounts[3] "ali": sts_region: not a region ID such as cn-hangzhou: CN_Hangzhou"#,
            #"accounts[3] "ali": sts_region: set together with sts_endpoint: give one of them"#,
            #"accounts[3] "ali": sts_endpoint: not an http:// or https:// URL with a host and without a query: ftp://x"#,
            #"accounts[3] "ali": role_session_name: must be 2 to 64 letters, digits or . @ - _, not a b"#,
            #"accounts[3] "ali": role_duration: must be between 15m and 12h (STS limits), not 60.0s"#,
            #"accounts[3] "ali": role_arn: not a RAM role ARN (acs:ram::<account id>:role/<name>): arn:aws:iam::1:role/r"#,
            #"accounts[3] "ali": metadata_endpoint: not an http:// or https:// URL with a host: nope"#,
            #"accounts[3] "ali": request_timeout: must be a positive duration"#,
        ])
        XCTAssertEqual(problems(["access_key_id": .string("LTAIx")]), [#"accounts[3] "ali": access_key_secret: required when access_key_id is set"#])
        XCTAssertEqual(problems(["security_token": .string("t")]),
                       [#"accounts[3] "ali": security_token: set without access_key_id and access_key_secret"#])
        XCTAssertEqual(problems([:]), [], "no keys: the credential chain")
    }

    func testTheSchema() {
        let schema = AlibabaCloud.schema
        XCTAssertEqual(schema.name, "alibabacloud")
        XCTAssertEqual(schema.defaultEndpoint, "https://business.aliyuncs.com")
        XCTAssertNil(schema.defaultRequestsPerSecond, "the limit counts per main account: no provider-wide cap")
        XCTAssertEqual(schema.defaultRequestsPerSecondPerIdentity, 5, "half the documented 10/s per main account")
        XCTAssertEqual(Set(schema.keys.filter(\.secret).map(\.name)), ["access_key_id", "access_key_secret", "security_token"])
        XCTAssertEqual(schema.environmentAccount?.required.map(\.name), ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
        XCTAssertEqual(schema.environmentAccount?.optional.map(\.name), ["ALIBABA_CLOUD_SECURITY_TOKEN"])
    }

    func testZeroConfigFromTheSDKsEnvironmentVariables() throws {
        let loaded = try ConfigLoader(schemas: [AlibabaCloud.schema], environment: [
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
            "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token",
        ]).fromEnvironment().checked()
        let account = try XCTUnwrap(loaded.config.accounts.first)
        XCTAssertEqual(loaded.config.accounts.count, 1)
        XCTAssertEqual(account.provider, "alibabacloud")
        XCTAssertEqual(account.endpoint, "https://business.aliyuncs.com")
        XCTAssertEqual(account.string("access_key_id"), "LTAIenv")
        XCTAssertEqual(account.string("security_token"), "env-token")
        XCTAssertEqual(loaded.config.providerLimits["alibabacloud"], ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 5, maxConcurrency: 16,
                                                                                      identityKeys: ["access_key_id", "role_arn"]))
        XCTAssertEqual(try AlibabaCloudSettings(account: account, defaultTimeout: 10).keys?.securityToken, "env-token")
    }
}
