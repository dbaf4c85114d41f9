import BalanceSupport

/// The names and HELP texts of the families every provider shares and of
/// the exporter's own; each provider's own live in its target
/// (`TencentMetrics`, `YeastarMetrics`, ...), each in exactly one place.
///
/// Money is in major currency units (dollars, yuan): Tencent Cloud reports
/// cents, converted exactly. Per-account values are cached: the exporter calls
/// each upstream at most once per refresh interval, whatever the scrape rate.
package enum Catalog {
    package static let cached = "Cached: refreshed at most once per refresh interval."

    /// A provider's own gauge of one upstream field, `balance_<provider>_<field>`,
    /// with the cache sentence every balance HELP ends with.
    package static func providerGauge(_ provider: String, _ field: String, _ help: String) -> MetricDescriptor {
        MetricDescriptor(name: "balance_\(provider)_\(field)", type: .gauge, help: "\(help) \(cached)")
    }

    // MARK: Engine families (every provider)

    package static let available = MetricDescriptor(
        name: "balance_available", type: .gauge,
        help: "Available balance of the account in major currency units (see balance_account_info for the currency). \(cached)")
    package static let up = MetricDescriptor(
        name: "balance_up", type: .gauge,
        help: "1 if the last refresh of the account from its upstream succeeded, else 0.")
    package static let lastSuccess = MetricDescriptor(
        name: "balance_last_success_timestamp_seconds", type: .gauge,
        help: "Unix time in seconds of the last successful refresh of the account.")
    package static let lastRefresh = MetricDescriptor(
        name: "balance_last_refresh_timestamp_seconds", type: .gauge,
        help: "Unix time in seconds of the last refresh attempt of the account, successful or not.")
    package static let refreshDuration = MetricDescriptor(
        name: "balance_refresh_duration_seconds", type: .gauge,
        help: "Duration in seconds of the last refresh attempt of the account.")
    package static let upstreamRequests = MetricDescriptor(
        name: "balance_upstream_requests_total", type: .counter,
        help: "Balance fetches attempted against the account's upstream API.")
    package static let upstreamErrors = MetricDescriptor(
        name: "balance_upstream_errors_total", type: .counter,
        help: "Failed balance fetches of the account, by reason.")
    package static let accountInfo = MetricDescriptor(
        name: "balance_account_info", type: .info,
        help: "Configured account: its name and currency (as configured, else as the upstream reports it, else empty). Value 1.")

    // MARK: Exporter families

    package static let buildInfo = MetricDescriptor(
        name: "balance_exporter_build_info", type: .info,
        help: "Version of balance_exporter and the Swift toolchain it was built with. Value 1.")
    package static let configReloadSuccessful = MetricDescriptor(
        name: "balance_exporter_config_last_reload_successful", type: .gauge,
        help: "1 if the last configuration load or reload succeeded, else 0.")
    package static let configReloadTimestamp = MetricDescriptor(
        name: "balance_exporter_config_last_reload_success_timestamp_seconds", type: .gauge,
        help: "Unix time in seconds of the last successful configuration load or reload.")
    package static let accounts = MetricDescriptor(
        name: "balance_exporter_accounts", type: .gauge,
        help: "Number of configured accounts, by provider.")
    package static let refreshRoundDuration = MetricDescriptor(
        name: "balance_exporter_refresh_round_duration_seconds", type: .gauge,
        help: "Seconds the last complete round of refreshes took, from the scrape that started it while none was in flight to the end of its last refresh. Above refresh_interval, accounts are refreshed less often than configured.")
    package static let httpConnectionsRefused = MetricDescriptor(
        name: "balance_exporter_http_connections_refused_total", type: .counter,
        help: "Connections the HTTP server answered 503 and closed, with no idle connection to close instead: at --web.max-connections (max_connections) or at --web.max-connections-per-peer for the address (per_peer).")
    package static let upstreamValuesDropped = MetricDescriptor(
        name: "balance_exporter_upstream_values_dropped_total", type: .counter,
        help: "Values from the account's upstream left out to stay within the exporter's bounds: Tencent Cloud temporary credits beyond the \(BalanceReading.maxListEntries)th, label values (uin included) longer than \(BalanceReading.maxLabelValueLength) characters.")
}
