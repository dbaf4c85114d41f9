import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSupport
@testable import BalanceYeastar

final class ConfigLoaderTests: XCTestCase {
    let loader = ConfigLoader(schemas: Exporter.providerSchemas, environment: ["PROD_SECRET_ID": "AKIDprod", "EMPTY": ""])

    func load(_ json: String) -> Result<ConfigLoader.Loaded, ConfigProblems> {
        Result { () throws(ConfigProblems) in try loader.load(bytes: Array(json.utf8), source: "test.json") }
    }

    func problems(_ json: String) -> [String] {
        guard case .failure(let problems) = load(json) else { XCTFail("expected problems"); return [] }
        return problems.problems.map(\.description)
    }

    func testTheDocumentedExampleLoads() throws {
        let dir = try temporaryDirectory()
        let keyFile = dir.appendingPathComponent("prod_key")
        try "s3cret-key\n".write(to: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile.path, 0o600)
        let secretsLoader = ConfigLoader(schemas: Exporter.providerSchemas,
                                         environment: ["PROD_SECRET_ID": "AKIDprod", "YEASTAR_CLIENT_SECRET": "ys"])
        let json = """
        {
          "refresh_interval": "60s",
          "max_stale": "10m",
          "providers": { "tencentcloud": { "requests_per_second": 10, "max_concurrency": 4 } },
          "accounts": [
            { "name": "prod-intl", "provider": "tencentcloud",
              "endpoint": "https://billing.intl.tencentcloudapi.com",
              "uin": "600000561284", "currency": "USD", "temp_credit": true,
              "secret_id_env": "PROD_SECRET_ID", "secret_key_file": "\(keyFile.path)",
              "refresh_interval": "5m" },
            { "name": "partner", "provider": "yeastar",
              "endpoint": "https://openapi.partner.yeastar.com",
              "client_id": "0123abcd", "client_secret_env": "YEASTAR_CLIENT_SECRET" }
          ]
        }
        """
        let loaded = try secretsLoader.load(bytes: Array(json.utf8), source: "x")
        XCTAssertEqual(loaded.warnings, [])
        let config = loaded.config
        XCTAssertEqual(config.refreshInterval, 60)
        XCTAssertEqual(config.maxStale, 600)
        // A provider-wide cap given on top of Tencent's per-identity default.
        XCTAssertEqual(config.providerLimits["tencentcloud"], ProviderLimits(requestsPerSecond: 10, requestsPerSecondPerIdentity: 10, maxConcurrency: 4,
                                                                              identityKeys: ["secret_id", "role_arn"]))
        XCTAssertEqual(config.providerLimits["yeastar"], Yeastar.schema.defaultLimits)
        let prod = config.accounts[0]
        XCTAssertEqual(prod.name, "prod-intl")
        XCTAssertEqual(prod.uin, "600000561284")
        XCTAssertEqual(prod.currency, "USD")
        XCTAssertEqual(prod.refreshInterval, 300)
        XCTAssertEqual(prod.string("secret_id"), "AKIDprod")
        XCTAssertEqual(prod.string("secret_key"), "s3cret-key", "file content, trimmed")
        XCTAssertEqual(prod.bool("temp_credit"), true)
        let partner = config.accounts[1]
        XCTAssertEqual(partner.refreshInterval, 60, "inherits the top-level interval")
        XCTAssertEqual(partner.string("client_secret"), "ys")
        XCTAssertNil(partner.uin)
    }

    func testEveryProblemIsReportedNamingAccountAndKey() {
        let found = problems("""
        {
          "refresh_interval": "soon",
          "colour": "blue",
          "accounts": [
            { "name": "a", "provider": "tencentcloud", "secret_id": "x", "secret_id_env": "PROD_SECRET_ID", "secret_key": "k", "temp_credit": "yes" },
            { "name": "b", "provider": "yeastar", "client_id": "c", "client_secret_file": "/nonexistent/secret" },
            { "name": "a", "provider": "tencentcloud", "refresh_interval": "10q", "bogus": 1 },
            { "name": "c", "provider": "aws" },
            { "name": "d", "provider": "yeastar", "client_id": "c" },
            { "name": "e", "provider": "yeastar", "client_id": "c", "client_secret_env": "MISSING_VAR" },
            { "name": "f", "provider": "tencentcloud", "endpoint": "billing.example.com" }
          ]
        }
        """)
        let expected = [
            "config file: colour: unknown key",
            "config file: refresh_interval: invalid duration \"soon\"",
            "accounts[0] \"a\": secret_id: given more than once (secret_id and secret_id_env)",
            "accounts[0] \"a\": temp_credit: expected a boolean",
            "accounts[1] \"b\": client_secret_file: cannot read \"/nonexistent/secret\": No such file or directory",
            "accounts[2] \"a\": refresh_interval: invalid duration \"10q\"",
            "accounts[2] \"a\": bogus: unknown key for provider tencentcloud",
            "accounts[3] \"c\": provider: unknown provider \"aws\"",
            "accounts[4] \"d\": client_secret: missing (give client_secret, client_secret_env or client_secret_file)",
            "accounts[5] \"e\": client_secret_env: environment variable MISSING_VAR is not set or empty",
            "accounts[6] \"f\": endpoint: expected an http:// or https:// URL",
        ]
        for text in expected {
            XCTAssertTrue(found.contains { $0.hasPrefix(text) }, "missing problem: \(text)\nall:\n\(found.joined(separator: "\n"))")
        }
    }

    func testDuplicateNamesAreRejected() {
        let found = problems(#"{"accounts": [{"name": "x", "provider": "yeastar", "client_id": "1", "client_secret": "2"}, {"name": "x", "provider": "yeastar", "client_id": "1", "client_secret": "2"}]}"#)
        XCTAssertEqual(found, ["accounts[1] \"x\": name: duplicate account name (also accounts[0])"])
    }

    func testRateLimitsPerIdentityAndProviderWide() throws {
        let defaults = try loader.load(bytes: Array(#"{"accounts": []}"#.utf8), source: "x").config.providerLimits
        XCTAssertEqual(defaults["tencentcloud"], ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 10, maxConcurrency: 64,
                                                                identityKeys: ["secret_id", "role_arn"]),
                       "Tencent counts per account: half of 20/s per identity, no provider-wide cap")
        XCTAssertEqual(defaults["yeastar"], ProviderLimits(requestsPerSecond: 2, maxConcurrency: 2, identityKeys: ["client_id"]),
                       "Yeastar documents none: one conservative budget")
        let json = #"{"providers": {"tencentcloud": {"requests_per_second_per_identity": 4, "max_concurrency": 16}, "yeastar": {"requests_per_second_per_identity": 1}}}"#
        let set = try loader.load(bytes: Array(json.utf8), source: "x").config.providerLimits
        XCTAssertEqual(set["tencentcloud"], ProviderLimits(requestsPerSecond: nil, requestsPerSecondPerIdentity: 4, maxConcurrency: 16,
                                                           identityKeys: ["secret_id", "role_arn"]))
        XCTAssertEqual(set["yeastar"], ProviderLimits(requestsPerSecond: 2, requestsPerSecondPerIdentity: 1, maxConcurrency: 2, identityKeys: ["client_id"]))
        XCTAssertEqual(problems(#"{"providers": {"tencentcloud": {"requests_per_second_per_identity": -1, "rps": 1}}}"#), [
            "providers.tencentcloud: rps: unknown key (known: max_concurrency, requests_per_second, requests_per_second_per_identity)",
            "providers.tencentcloud: requests_per_second_per_identity: must be greater than 0, got -1.0",
        ])
    }

    func testWrongTypesAndNotJSON() {
        XCTAssertEqual(problems(#"{"accounts": {}}"#), ["config file: accounts: expected an array, got an object"])
        XCTAssertEqual(problems(#"[1]"#), ["config file: expected an object at the top, got an array"])
        XCTAssertEqual(problems(#"{"providers": {"yeastar": {"requests_per_second": 0}}}"#),
                       ["providers.yeastar: requests_per_second: must be greater than 0, got 0.0"])
        XCTAssertEqual(problems(#"{"refresh_interval": "500ms"}"#), ["config file: refresh_interval: must be at least 1s, got \"500ms\""])
    }

    func testSyntaxErrorsNameLineColumnAndWhatWasExpected() {
        let cases: [(String, String)] = [
            ("{\n  \"accounts\": [],\n  \"max_stale\" \"10m\"\n}", "line 3, column 15: expected ':' after an object key"),
            ("{\n  \"accounts\": [\n    {\"name\": \"a\" \"provider\": \"yeastar\"}\n  ]\n}",
             "line 3, column 18: expected ',' or '}' after an object member"),
            ("{\"accounts\": [],}", "line 1, column 17: expected a string key after ',' (trailing commas are not allowed)"),
            ("{\"accounts\": [1,]}", "line 1, column 17: expected a value after ',' (trailing commas are not allowed)"),
            ("{\"max_stale\": \"1m\",\n \"max_stale\": \"10m\"}", "line 2, column 2: duplicate key \"max_stale\""),
            ("accounts: []\n", "line 1, column 1: expected a value (object, array, string, number, true, false or null)"),
            ("{\"accounts\": [", "line 1, column 15: unexpected end of input: expected a value (object, array, string, number, true, false or null)"),
        ]
        for (json, message) in cases {
            XCTAssertEqual(problems(json), ["config file: not valid JSON: " + message], json)
        }
    }

    func testNumericUINIsAccepted() throws {
        let loaded = try load(#"{"accounts": [{"name": "x", "provider": "yeastar", "uin": 600000561284, "client_id": "1", "client_secret": "2"}]}"#).get()
        XCTAssertEqual(loaded.config.accounts[0].uin, "600000561284")
    }

    func testNumericUINKeepsEveryDigitAndMustBeWhole() throws {
        let account = #""name": "x", "provider": "yeastar", "client_id": "1", "client_secret": "2""#
        let loaded = try load(#"{"accounts": [{\#(account), "uin": 9007199254740993}]}"#).get()
        XCTAssertEqual(loaded.config.accounts[0].uin, "9007199254740993", "beyond 2^53: no digit lost to a Double")
        for bad in ["1.5", "-7"] {
            XCTAssertEqual(problems(#"{"accounts": [{\#(account), "uin": \#(bad)}]}"#),
                           [#"accounts[0] "x": uin: expected a string, got a number"#], bad)
        }
    }

    func testWorldReadableSecretFileWarns() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("secret")
        try "abc".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o644)
        let loaded = try load(#"{"accounts": [{"name": "x", "provider": "yeastar", "client_id": "1", "client_secret_file": "\#(file.path)"}]}"#).get()
        XCTAssertEqual(loaded.config.accounts[0].string("client_secret"), "abc")
        XCTAssertEqual(loaded.warnings, [#"accounts[0] "x": client_secret_file: secret file "\#(file.path)" is readable by other users; "#
            + "remove their access (chmod o-rwx, or chmod 0640 for owner and group only)"])
    }

    /// The same advice for the configuration file: a mode that keeps the
    /// container's group (0640, see the README) able to read it.
    func testWorldReadableConfigFileWarnsWithAModeThatKeepsTheGroup() throws {
        let file = try temporaryDirectory().appendingPathComponent("config.json")
        try #"{"accounts": []}"#.write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o644)
        let loaded = try loader.load(path: file.path)
        XCTAssertTrue(loaded.warnings.contains(#"configuration file "\#(file.path)" is readable by other users; "#
            + "remove their access (chmod o-rwx, or chmod 0640 for owner and group only)"), "\(loaded.warnings)")
        XCTAssertFalse(loaded.warnings.joined().contains("chmod 600"))
        chmod(file.path, 0o640)
        XCTAssertFalse(try loader.load(path: file.path).warnings.contains { $0.contains("readable by other users") })
    }

    func testZeroConfigFromEnvironment() throws {
        let both = try ConfigLoader(schemas: Exporter.providerSchemas, environment: [
            "TENCENTCLOUD_SECRET_ID": "id", "TENCENTCLOUD_SECRET_KEY": "key", "TENCENTCLOUD_TOKEN": "tok",
            "YEASTAR_CLIENT_ID": "cid", "YEASTAR_CLIENT_SECRET": "cs",
        ]).fromEnvironment().checked()
        XCTAssertEqual(both.warnings, [])
        XCTAssertEqual(both.config.accounts.map(\.name), ["tencentcloud", "yeastar"])
        XCTAssertEqual(both.config.accounts[0].string("token"), "tok")
        XCTAssertEqual(both.config.accounts[0].endpoint, "https://billing.intl.tencentcloudapi.com")
        XCTAssertEqual(both.config.accounts[1].string("client_secret"), "cs")

        let none = try ConfigLoader(schemas: Exporter.providerSchemas, environment: ["TENCENTCLOUD_TOKEN": "tok"]).fromEnvironment().checked()
        XCTAssertEqual(none.config.accounts, [])
        XCTAssertEqual(none.warnings.count, 1)
        XCTAssertTrue(none.warnings[0].contains("no accounts"))
    }

    /// One half of a credential pair is a mistake, not "no credentials":
    /// start-up and --config.check fail naming the variable that is missing.
    func testHalfSetCredentialPairIsAProblemNamingTheMissingVariable() {
        let cases: [([String: String], String)] = [
            (["TENCENTCLOUD_SECRET_ID": "AKIDhalf"], "environment: TENCENTCLOUD_SECRET_KEY: not set or empty, but TENCENTCLOUD_SECRET_ID is set: set both or neither"),
            (["TENCENTCLOUD_SECRET_KEY": "k", "TENCENTCLOUD_SECRET_ID": ""], "environment: TENCENTCLOUD_SECRET_ID: not set or empty, but TENCENTCLOUD_SECRET_KEY is set: set both or neither"),
            (["YEASTAR_CLIENT_ID": "cid"], "environment: YEASTAR_CLIENT_SECRET: not set or empty, but YEASTAR_CLIENT_ID is set: set both or neither"),
            (["YEASTAR_CLIENT_SECRET": "cs", "TENCENTCLOUD_SECRET_ID": "id", "TENCENTCLOUD_SECRET_KEY": "key"],
             "environment: YEASTAR_CLIENT_ID: not set or empty, but YEASTAR_CLIENT_SECRET is set: set both or neither"),
        ]
        for (environment, message) in cases {
            let result = Result { () throws(ConfigProblems) in
                try ConfigLoader(schemas: Exporter.providerSchemas, environment: environment).load(path: nil)
            }
            guard case .failure(let problems) = result else { XCTFail("accepted \(environment.keys.sorted())"); continue }
            XCTAssertEqual(problems.description, message, "names the variables, never a value")
        }
    }

    func testDurations() {
        XCTAssertEqual(PrometheusDuration.parse("500ms"), 0.5)
        XCTAssertEqual(PrometheusDuration.parse("30s"), 30)
        XCTAssertEqual(PrometheusDuration.parse("5m"), 300)
        XCTAssertEqual(PrometheusDuration.parse("1h30m"), 5400)
        XCTAssertEqual(PrometheusDuration.parse("2d"), 172_800)
        XCTAssertEqual(PrometheusDuration.parse("0"), 0)
        for bad in ["", "5", "m", "1.5h", "5m1h", "1s1s", "-1s", "5 m", "1hm"] {
            XCTAssertNil(PrometheusDuration.parse(bad), bad)
        }
        XCTAssertEqual(PrometheusDuration.format(5400), "1h30m")
        XCTAssertEqual(PrometheusDuration.format(0.25), "250ms")
    }
}
