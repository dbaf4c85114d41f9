import BalanceCore

/// One account as the status page and `/api/v1/accounts` show it: what the
/// metrics already reveal (labels, balance, timestamps, durations) and, for a
/// down account, its error as the provider stored it (redacted by
/// `ProviderError.bounded(removing:)`). Pure: built from the engine's snapshot.
package struct AccountRow: Sendable, Equatable {
    /// In the order the page lists them: the ones that need a person first.
    package enum State: String, Sendable, CaseIterable, Comparable {
        /// Failing past `max_stale`: the balance series are withdrawn.
        case gone
        /// The last refresh failed; the last good values are still exported.
        case stale
        /// No successful refresh yet.
        case waiting
        case up

        package static func < (a: State, b: State) -> Bool {
            allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
        }
    }

    package var name: String
    package var provider: String
    /// As the metrics label it (`AccountFamilies.uin`).
    package var uin: String
    package var currency: String?
    package var state: State
    /// The exported `balance_available`; nil when no balance series is exported.
    package var available: Double?
    package var lastSuccess: Double?
    package var lastDuration: Double?
    /// From when a scrape refreshes the account; nil before its first attempt (the next scrape does).
    package var nextRefresh: Double?
    /// Why the last refresh failed, while the account is down.
    package var error: ProviderError?

    package init(_ config: AccountConfig, _ status: AccountStatus, now: Double, maxStale: Double) {
        name = config.name
        provider = config.provider
        uin = AccountFamilies.uin(config, status)
        currency = config.currency
        let exported = status.isFresh(now: now, maxStale: maxStale) ? status.reading : nil
        available = exported?.available
        if status.up == true {
            state = .up
        } else if status.lastSuccess == nil {
            state = .waiting
        } else {
            state = exported == nil ? .gone : .stale
        }
        lastSuccess = status.lastSuccess
        lastDuration = status.lastDuration
        let due = status.dueTime(refreshInterval: config.refreshInterval)
        nextRefresh = due.isFinite ? due : nil
        error = status.up == false ? status.lastError : nil
    }

    /// Every account of the snapshot: gone, stale, waiting, up, then by name.
    package static func rows(_ snapshot: EngineSnapshot) -> [AccountRow] {
        snapshot.accounts
            .map { AccountRow($0.config, $0.status, now: snapshot.now, maxStale: snapshot.maxStale) }
            .sorted { ($0.state, $0.name) < ($1.state, $1.name) }
    }

    /// "7 accounts: 6 up, 1 stale": the count of each state that occurs, up first.
    package static func summary(_ rows: [AccountRow]) -> String {
        let total = "\(rows.count) account\(rows.count == 1 ? "" : "s")"
        let counts = ([State.up] + State.allCases.filter { $0 != .up }).compactMap { state -> String? in
            let count = rows.count { $0.state == state }
            return count == 0 ? nil : "\(count) \(state.rawValue)"
        }
        return counts.isEmpty ? total : total + ": " + counts.joined(separator: ", ")
    }
}
