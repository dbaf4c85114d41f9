/// Which account's series carry each `(provider, uin)`: of two accounts
/// that report the same one, the first in the configuration. The other is a
/// duplicate (`FailureReason.duplicate`). Pure; part of the engine's state.
struct UINOwners: Sendable {
    private struct Key: Hashable, Sendable {
        var provider: String
        var uin: String
    }

    private var owners: [Key: String] = [:]
    /// Each account's index in the configuration.
    private let positions: [String: Int]

    /// No owners yet, for the accounts of `order` (the configuration's order).
    init(order: [String]) {
        positions = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `account` of `provider` now reports `uin` (nil: none), `previous` before.
    /// Returns the account earlier in the configuration that owns `uin`
    /// (then `account` is a duplicate of it), or the later account that owned
    /// it until now (now a duplicate of `account`).
    mutating func claim(_ uin: String?, previous: String?, provider: String,
                        by account: String) -> (earlierOwner: String?, displaced: String?) {
        if let previous, previous != uin, owners[Key(provider: provider, uin: previous)] == account {
            owners[Key(provider: provider, uin: previous)] = nil
        }
        guard let uin else { return (nil, nil) }
        let key = Key(provider: provider, uin: uin)
        guard let current = owners[key], current != account else {
            owners[key] = account
            return (nil, nil)
        }
        if position(current) < position(account) { return (current, nil) }
        owners[key] = account
        return (nil, current)
    }

    private func position(_ account: String) -> Int { positions[account] ?? .max }
}
