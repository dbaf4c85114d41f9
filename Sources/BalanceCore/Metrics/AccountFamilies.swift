/// Maps the engine's view of the accounts onto metric families. Pure.
package enum AccountFamilies {
    /// The `uin` label: the account name while the account is a duplicate
    /// of another (so no two accounts' series collide), else `reportedUIN`,
    /// else the account name.
    package static func uin(_ config: AccountConfig, _ status: AccountStatus) -> String {
        if status.duplicateOf != nil { return config.name }
        return reportedUIN(config, status) ?? config.name
    }

    /// The account's `uin`: the configured one, else the one the upstream
    /// reported in the last success; nil before either is known.
    package static func reportedUIN(_ config: AccountConfig, _ status: AccountStatus) -> String? {
        if let uin = config.uin, !uin.isEmpty { return uin }
        if let uin = status.uin, !uin.isEmpty { return uin }
        return nil
    }

    /// The configured currency, else the one the upstream reported in the
    /// last success, else empty.
    package static func currency(_ config: AccountConfig, _ status: AccountStatus) -> String {
        config.currency ?? status.reading?.currency ?? ""
    }

    package static func families(_ snapshot: EngineSnapshot) -> [MetricFamily] {
        var byDescriptor: [MetricDescriptor: [Sample]] = [:]
        func add(_ descriptor: MetricDescriptor, _ labels: [Label], _ value: Double) {
            byDescriptor[descriptor, default: []].append(Sample(labels: labels, value: value))
        }
        var perProvider: [String: Int] = [:]
        for (config, status) in snapshot.accounts {
            perProvider[config.provider, default: 0] += 1
            let base = [Label("provider", config.provider), Label("uin", uin(config, status))]
            add(Catalog.accountInfo, base + [Label("name", config.name), Label("currency", currency(config, status))], 1)
            add(Catalog.upstreamRequests, base, Double(status.requests))
            for (reason, count) in status.errors {
                add(Catalog.upstreamErrors, base + [Label("reason", reason.rawValue)], Double(count))
            }
            if let up = status.up { add(Catalog.up, base, up ? 1 : 0) }
            if let t = status.lastSuccess { add(Catalog.lastSuccess, base, t) }
            if let t = status.lastAttempt { add(Catalog.lastRefresh, base, t) }
            if let d = status.lastDuration { add(Catalog.refreshDuration, base, d) }
            if status.droppedValues > 0 { add(Catalog.upstreamValuesDropped, base, Double(status.droppedValues)) }
            // Past max_stale the balance series disappear, so absence-based
            // alerts fire, while balance_up and the timestamps remain.
            guard let reading = status.reading, status.isFresh(now: snapshot.now, maxStale: snapshot.maxStale) else { continue }
            add(Catalog.available, base, reading.available)
            for field in reading.fields { add(field.descriptor, base + field.labels, field.value) }
        }
        for (provider, count) in perProvider {
            add(Catalog.accounts, [Label("provider", provider)], Double(count))
        }
        if let duration = snapshot.lastRoundDuration { add(Catalog.refreshRoundDuration, [], duration) }
        return byDescriptor.map { MetricFamily($0.key, samples: $0.value) }
    }
}
