import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceSimulators
@testable import BalanceVolcengine

/// The provider's schema and its account validation: every problem of an
/// account reported at once, each naming its key in the one location format.
final class VolcengineSettingsTests: XCTestCase {
    private let context = ProviderContext(transport: HandlerTransport(handler: VolcengineSimulator(clock: TestClock())),
                                          clock: TestClock(), logger: .discard, environment: [:], userAgent: "t")

    private func account(_ values: [String: ConfigValue], endpoint: String = Volcengine.defaultEndpoint) -> AccountConfig {
        AccountConfig(name: "volc", provider: "volcengine", endpoint: endpoint, refreshInterval: 60, values: values,
                      location: "accounts[3] \"volc\"")
    }

    private func problems(_ values: [String: ConfigValue], endpoint: String = Volcengine.defaultEndpoint) -> [String] {
        do {
            _ = try Volcengine.schema.make(account(values, endpoint: endpoint), context)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    func testSchemaDefaults() {
        let schema = Volcengine.schema
        XCTAssertEqual(schema.name, "volcengine")
        XCTAssertEqual(schema.defaultEndpoint, "https://open.volcengineapi.com")
        XCTAssertEqual(schema.defaultRequestsPerSecond, 1)
        XCTAssertEqual(schema.defaultMaxConcurrency, 2)
        XCTAssertEqual(Set(schema.keys.filter(\.secret).map(\.name)), ["access_key", "secret_key", "session_token"])
        XCTAssertEqual(Set(schema.keys.map(\.name)), ["access_key", "secret_key", "session_token", "region", "role_trn",
                                                       "role_session_name", "role_duration", "sts_endpoint", "request_timeout"])
        XCTAssertTrue(schema.keys.allSatisfy { !$0.required })
        XCTAssertEqual(schema.identityKeys, ["access_key", "role_trn"])
        XCTAssertEqual(schema.environmentAccount?.required.map(\.name), ["VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY"])
        XCTAssertEqual(schema.environmentAccount?.optional.map(\.name), ["VOLCENGINE_SESSION_TOKEN"])
    }

    func testValidAccountsBuild() {
        XCTAssertEqual(problems([:]), [], "no keys: the SDKs' environment")
        XCTAssertEqual(problems(["access_key": .string("AKLT1"), "secret_key": .string("s"), "session_token": .string("t"),
                                 "region": .string("ap-singapore-1")], endpoint: "https://open.byteplusapi.com"), [])
        XCTAssertEqual(problems(["role_trn": .string("trn:iam::2100000000:role/reader"), "role_duration": .duration(43200),
                                 "role_session_name": .string("exporter@prod"), "sts_endpoint": .string("https://sts.byteplusapi.com")]),
                       [])
        XCTAssertEqual(problems([:], endpoint: "http://[::1]:8080/"), [])
    }

    func testEveryProblemOfAnAccountIsReportedAtOnceNamingItsKey() {
        XCTAssertEqual(problems(["access_key": .string("AKLT1"), "region": .string("cn/beijing"),
                                 "role_trn": .string("arn:aws:iam::1:role/r"), "role_duration": .duration(600),
                                 "role_session_name": .string("a b"), "sts_endpoint": .string("sts.volcengineapi.com"),
                                 "request_timeout": .duration(0)],
                                endpoint: "https://open.volcengineapi.com/?Action=Other"), [
            "accounts[3] \"volc\": endpoint: must not have a query (the request's Action and Version go there)",
            "accounts[3] \"volc\": secret_key: required when access_key is set",
            "accounts[3] \"volc\": region: must be a region name such as cn-beijing or ap-singapore-1, not cn/beijing",
            "accounts[3] \"volc\": sts_endpoint: not an http:// or https:// URL with a host: sts.volcengineapi.com",
            "accounts[3] \"volc\": role_trn: must be a role TRN, trn:iam::<account id>:role/<role name>, not arn:aws:iam::1:role/r",
            "accounts[3] \"volc\": role_duration: must be between 15m and 12h (STS limits), not 600.0s",
            "accounts[3] \"volc\": role_session_name: must be 2 to 64 letters, digits or _+=,.@- characters",
            "accounts[3] \"volc\": request_timeout: must be a positive duration",
        ])
    }

    func testKeysThatOnlyMakeSenseTogether() {
        XCTAssertEqual(problems(["secret_key": .string("s")]), ["accounts[3] \"volc\": access_key: required when secret_key is set"])
        XCTAssertEqual(problems(["session_token": .string("t")]),
                       ["accounts[3] \"volc\": session_token: set without access_key and secret_key"])
        XCTAssertEqual(problems(["role_session_name": .string("s1"), "role_duration": .duration(900)]), [
            "accounts[3] \"volc\": role_session_name: set without role_trn",
            "accounts[3] \"volc\": role_duration: set without role_trn",
        ])
        XCTAssertEqual(problems([:], endpoint: "ftp://open.volcengineapi.com"),
                       ["accounts[3] \"volc\": endpoint: not an http:// or https:// URL with a host: ftp://open.volcengineapi.com"])
    }

    func testKeysFromAFileAndAVariableAndTheProviderDefaults() throws {
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let secretFile = directory.appendingPathComponent("volc_secret")
        try "file-secret\n".write(to: secretFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretFile.path)
        let json = #"{"accounts": [{"name": "volc", "provider": "volcengine", "access_key_env": "MY_AK", "secret_key_file": "\#(secretFile.path)"}]}"#
        let loaded = try ConfigLoader(schemas: [Volcengine.schema], environment: ["MY_AK": "AKLTfromenv"])
            .load(bytes: Array(json.utf8), source: "test")
        let account = try XCTUnwrap(loaded.config.accounts.first)
        XCTAssertEqual(account.endpoint, "https://open.volcengineapi.com")
        XCTAssertEqual(account.string("access_key"), "AKLTfromenv")
        XCTAssertEqual(account.string("secret_key"), "file-secret")
        XCTAssertEqual(loaded.config.providerLimits["volcengine"], ProviderLimits(requestsPerSecond: 1, maxConcurrency: 2, identityKeys: ["access_key", "role_trn"]))
    }

    func testZeroConfigAccountFromTheSDKsVariables() throws {
        let loaded = try ConfigLoader(schemas: [Volcengine.schema], environment: [
            "VOLCENGINE_ACCESS_KEY": "AKLTzero", "VOLCENGINE_SECRET_KEY": "zero-secret", "VOLCENGINE_SESSION_TOKEN": "zero-token",
        ]).load(path: nil)
        let account = try XCTUnwrap(loaded.config.accounts.first)
        XCTAssertEqual(account.provider, "volcengine")
        XCTAssertEqual(account.string("access_key"), "AKLTzero")
        XCTAssertEqual(account.string("session_token"), "zero-token")
        XCTAssertNoThrow(try Volcengine.schema.make(account, context))
    }
}
