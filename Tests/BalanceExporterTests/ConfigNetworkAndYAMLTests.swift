import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSupport

/// `--config.file` in YAML (`.yml`, `.yaml`) and the network keys of the
/// configuration: `proxy_url` (secret, with `_env` and `_file`) and
/// `ca_file`, at the top level and per account.
final class ConfigNetworkAndYAMLTests: XCTestCase {
    let environment = ["CORP_PROXY": "http://svc:pr0xy-pw@proxy.corp:3128", "PROD_SECRET_ID": "AKIDprod"]

    func load(_ text: String, source: String) throws(ConfigProblems) -> ConfigLoader.Loaded {
        try ConfigLoader(schemas: Exporter.providerSchemas, environment: environment).load(bytes: Array(text.utf8), source: source)
    }

    func problems(_ text: String, source: String = "test.yml") -> [String] {
        do {
            _ = try load(text, source: source)
            XCTFail("expected problems")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    func testAYAMLFileReadsAsTheSameConfigurationAsItsJSON() throws {
        let yaml = """
        # Comments, as every Prometheus component's YAML has.
        refresh_interval: 60s
        providers:
          tencentcloud: {requests_per_second: 10, max_concurrency: 4}
        accounts:
          - name: prod-intl
            provider: tencentcloud
            uin: 600000561284
            currency: USD
            temp_credit: true
            secret_id_env: PROD_SECRET_ID
            secret_key: 12345
        """
        let json = """
        {"refresh_interval": "60s", "providers": {"tencentcloud": {"requests_per_second": 10, "max_concurrency": 4}},
         "accounts": [{"name": "prod-intl", "provider": "tencentcloud", "uin": "600000561284", "currency": "USD",
                       "temp_credit": true, "secret_id_env": "PROD_SECRET_ID", "secret_key": "12345"}]}
        """
        let fromYAML = try load(yaml, source: "config.yml").config
        let fromJSON = try load(json, source: "config.json").config
        XCTAssertEqual(fromYAML.accounts, fromJSON.accounts)
        XCTAssertEqual(fromYAML.providerLimits, fromJSON.providerLimits)
        XCTAssertEqual(fromYAML.accounts.first?.values["secret_key"], .string("12345"), "a number where a string is expected is its text")
        XCTAssertEqual(try load(yaml, source: "CONFIG.YAML").config.accounts, fromJSON.accounts)
    }

    /// A plain scalar that the core schema reads as a number keeps its
    /// spelling where a string is expected: a key of `0640` or `+12` is not `640` or `12`.
    func testANumberWhereAStringIsExpectedKeepsItsSpelling() throws {
        let yaml = """
        accounts:
          - {name: pbx, provider: yeastar, client_id: 0640, client_secret: +12}
          - {name: big, provider: yeastar, client_id: 0x1F, client_secret: 1e3, uin: 007}
        """
        let accounts = try load(yaml, source: "config.yml").config.accounts
        XCTAssertEqual(accounts[0].values["client_id"], .string("0640"))
        XCTAssertEqual(accounts[0].values["client_secret"], .string("+12"))
        XCTAssertEqual(accounts[1].values["client_id"], .string("0x1F"))
        XCTAssertEqual(accounts[1].values["client_secret"], .string("1e3"))
        XCTAssertEqual(accounts[1].uin, "007", "an account ID keeps its leading zeros")
    }

    func testJSONStaysStrictAndYAMLErrorsNameLineAndColumn() {
        XCTAssertTrue(problems("accounts: []\n", source: "config.json").first?.contains("not valid JSON") == true)
        let numeric = #"{"accounts": [{"name": "a", "provider": "tencentcloud", "secret_id": 1, "secret_key": "k"}]}"#
        XCTAssertTrue(problems(numeric, source: "config.json").contains { $0.contains("secret_id") && $0.contains("expected a string") })
        let broken = problems("accounts:\n  - name: [unclosed\n", source: "config.yaml")
        XCTAssertTrue(broken.first?.contains("not valid YAML: line 2") == true, "\(broken)")
    }

    func testProxyURLPerAccountWinsAndAnEmptyOneTurnsTheEnvironmentsOff() throws {
        let yaml = """
        proxy_url_env: CORP_PROXY
        ca_file: \(try caFile())
        accounts:
          - {name: inherits, provider: tencentcloud, secret_id: a, secret_key: b}
          - {name: own, provider: tencentcloud, secret_id: a, secret_key: b, proxy_url: "http://other:8080", ca_file: ""}
          - {name: direct, provider: tencentcloud, secret_id: a, secret_key: b, proxy_url: ""}
        """
        let accounts = try load(yaml, source: "c.yml").config.accounts
        let corp = ProxyURL(host: "proxy.corp", port: 3128, user: "svc", password: "pr0xy-pw")
        XCTAssertEqual(accounts.map(\.network.proxy), [.proxy(corp), .proxy(ProxyURL(host: "other", port: 8080)), .direct])
        XCTAssertEqual(accounts.map { $0.network.caFile != nil }, [true, false, true])
        let none = try load("accounts: [{name: a, provider: tencentcloud, secret_id: a, secret_key: b}]", source: "c.yml")
        XCTAssertEqual(none.config.accounts.first?.network, UpstreamNetwork(), "no key: the environment decides, the system's CAs")
    }

    func testABadProxyURLOrCAFileIsAProblemNamingTheKeyNeverThePassword() throws {
        let found = problems("""
        proxy_url: "socks5://svc:pr0xy-pw@proxy:1080"
        accounts:
          - {name: a, provider: tencentcloud, secret_id: a, secret_key: b, ca_file: /nonexistent/ca.pem}
          - {name: b, provider: tencentcloud, secret_id: a, secret_key: b, proxy_url_env: UNSET}
        """)
        XCTAssertTrue(found.contains { $0.contains("config file: proxy_url") && $0.contains("socks5:// proxies are not supported") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("ca_file") && $0.contains("/nonexistent/ca.pem") }, "\(found)")
        XCTAssertTrue(found.contains { $0.contains("proxy_url_env") && $0.contains("UNSET") }, "\(found)")
        XCTAssertFalse(found.joined().contains("pr0xy-pw"), "\(found)")
    }

    func testAnUnreadableProxyVariableIsAProblemAtStart() throws {
        let exporter = Exporter(source: .fixed(ExporterConfig()), environment: ["HTTPS_PROXY": "socks5://svc:pw@proxy:1080"], logger: .discard)
        XCTAssertThrowsError(try exporter.prepare()) { error in
            XCTAssertTrue("\(error)".contains("HTTPS_PROXY"), "\(error)")
            XCTAssertFalse("\(error)".contains("svc:pw"), "\(error)")
        }
    }

    private func caFile() throws -> String {
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ca.pem").path
        try "-----BEGIN CERTIFICATE-----\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
