import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceExporter

/// `--config.check` and the start-up log name two accounts that read one balance.
final class DuplicateAccountsTests: XCTestCase {
    private func tencent(_ name: String, uin: String? = nil, secretID: String, role: String? = nil,
                         endpoint: String = "https://billing.intl.tencentcloudapi.com") -> AccountConfig {
        var values: [String: ConfigValue] = ["secret_id": .string(secretID), "secret_key": .string("k-\(name)")]
        if let role { values["role_arn"] = .string(role) }
        return AccountConfig(name: name, provider: "tencentcloud", endpoint: endpoint, uin: uin, refreshInterval: 60, values: values)
    }

    func testTheSameConfiguredUINOrTheSameKeyIsNamedWithBothAccounts() {
        let accounts = [
            tencent("prod", uin: "100001", secretID: "AKID1"),
            tencent("prod-again", secretID: "AKID1"),
            tencent("other-name", uin: "100001", secretID: "AKID2"),
            tencent("china", secretID: "AKID1", endpoint: "https://billing.tencentcloudapi.com"),
            tencent("customer", secretID: "AKID1", role: "qcs::cam::uin/2:roleName/reader"),
            AccountConfig(name: "pbx", provider: "yeastar", endpoint: "https://openapi.partner.yeastar.com", uin: "100001",
                          refreshInterval: 60, values: ["client_id": .string("c1"), "client_secret": .string("s")]),
        ]
        XCTAssertEqual(DuplicateAccounts.warnings(accounts, schemas: Exporter.providerSchemas), [
            #"accounts[0] "prod" and accounts[1] "prod-again" use the same credentials (secret_id, role_arn) at https://billing.intl.tencentcloudapi.com: they read the same balance; once its uin is known only "prod" is exported"#,
            #"accounts[0] "prod" and accounts[2] "other-name" configure the same tencentcloud uin "100001": only "prod" is exported, "other-name" is down with reason duplicate"#,
        ], "another endpoint, another role or another provider is another account")
    }

    func testConfigCheckPrintsTheWarning() throws {
        let config = ExporterConfig(providerLimits: [:], accounts: [tencent("a", secretID: "AKIDsame"), tencent("b", secretID: "AKIDsame")],
                                    source: "test")
        let exporter = Exporter(source: .fixed(config), environment: [:], logger: .discard, clock: TestClock())
        let prepared = try exporter.prepare()
        XCTAssertEqual(prepared.warnings.filter { $0.contains(#""a" and accounts[1] "b""#) }.count, 1, "\(prepared.warnings)")
    }
}
