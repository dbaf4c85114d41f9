import BalanceSupport

/// Accounts a configuration names twice: the same `uin` configured for two
/// accounts of a provider, or the same key (the provider's `identityKeys`
/// and the endpoint) in two accounts. At run time the engine exports only
/// the first of two accounts that report the same `uin` (the later one is
/// down with reason `duplicate`); this names the pairs it can see before
/// any upstream call, for `--config.check` and the start-up and reload logs. Pure.
package enum DuplicateAccounts {
    package static func warnings(_ accounts: [AccountConfig], schemas: [ProviderSchema]) -> [String] {
        var firstWithUIN: [[String]: Int] = [:]
        var firstWithKey: [[String?]: Int] = [:]
        var warnings: [String] = []
        func describe(_ index: Int) -> String { "accounts[\(index)] \"\(accounts[index].name)\"" }
        for (index, account) in accounts.enumerated() {
            if let uin = account.uin, !uin.isEmpty {
                let key = [account.provider, uin]
                if let first = firstWithUIN[key] {
                    warnings.append("\(describe(first)) and \(describe(index)) configure the same \(account.provider) uin \"\(uin)\": "
                        + "only \"\(accounts[first].name)\" is exported, \"\(account.name)\" is down with reason duplicate")
                } else {
                    firstWithUIN[key] = index
                }
            }
            guard let schema = schemas.first(where: { $0.name == account.provider }), !schema.identityKeys.isEmpty else { continue }
            let key = [account.provider, account.endpoint] + schema.identityKeys.map { account.string($0) }
            if let first = firstWithKey[key] {
                warnings.append("\(describe(first)) and \(describe(index)) use the same credentials "
                    + "(\(schema.identityKeys.joined(separator: ", "))) at \(account.endpoint): they read the same balance; once its uin is known only \"\(accounts[first].name)\" is exported")
            } else {
                firstWithKey[key] = index
            }
        }
        return warnings
    }
}
