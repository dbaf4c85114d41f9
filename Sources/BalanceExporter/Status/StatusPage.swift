import BalanceCore
import BalanceSupport

/// The HTML page at `/`: name, version, build facts and links, then one
/// table of every configured account (`AccountRow`), worst state first.
/// Server-rendered, no script, nothing loaded from elsewhere: its only
/// resource is the exporter's own stylesheet. Pure: the engine's snapshot
/// (which carries the time it was taken) in, bytes out.
///
/// The page shows the cache as it is and calls no upstream: a scrape of the
/// metrics refreshes what is due.
package enum StatusPage {
    package static let stylesheetPath = "/static/status.css"

    package static func html(_ snapshot: EngineSnapshot, telemetryPath: String) -> [UInt8] {
        let rows = AccountRow.rows(snapshot)
        let now = snapshot.now
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>balance_exporter</title>
        <link rel="stylesheet" href="\(stylesheetPath)">
        </head>
        <body>
        <header>
        <h1>balance_exporter</h1>
        <p>Prometheus exporter for prepaid account balances (Tencent Cloud, Yeastar Partner Portal).</p>
        <p class="muted">Version \(HTML.escape(BuildInfo.version)), revision \(HTML.escape(BuildInfo.revision)), Swift \(HTML.escape(BuildInfo.swiftVersion)).</p>
        <nav><a href="\(HTML.escape(telemetryPath))">Metrics</a> <a href="\(AccountsAPI.path)">Accounts as JSON</a> <a href="/-/healthy">Health</a> <a href="/-/ready">Readiness</a></nav>
        </header>
        <main>
        <h2>Accounts</h2>
        <p class="summary">\(HTML.escape(AccountRow.summary(rows)))</p>
        <p class="muted">As of \(CivilTime.rfc3339UTC(milliseconds: Int((now * 1000).rounded(.down)))). This page shows the cached values; a scrape of the metrics refreshes the accounts that are due.</p>

        """
        if !rows.isEmpty {
            out += """
            <table>
            <thead><tr><th>Account</th><th>Provider</th><th>uin</th><th>Currency</th><th>Available</th><th>State</th>\
            <th>Data age</th><th>Last refresh took</th><th>Next refresh</th><th>Problem</th></tr></thead>
            <tbody>

            """
            for row in rows { out += html(row, now: now) }
            out += "</tbody>\n</table>\n"
        }
        out += "</main>\n</body>\n</html>\n"
        return Array(out.utf8)
    }

    static func html(_ row: AccountRow, now: Double) -> String {
        func cell(_ label: String, _ content: String, class name: String? = nil) -> String {
            "<td\(name.map { " class=\"\($0)\"" } ?? "") data-label=\"\(label)\">\(content)</td>"
        }
        let available = row.available.map { HTML.escape(Money.format($0, currency: row.currency)) } ?? "—"
        let age = row.lastSuccess.map { PrometheusDuration.format(max(0, now - $0)) } ?? "—"
        let took = row.lastDuration.map(PrometheusDuration.format) ?? "—"
        let next = row.nextRefresh.flatMap { $0 > now ? "in " + PrometheusDuration.format($0 - now) : nil } ?? "at the next scrape"
        var problem = ""
        if let error = row.error {
            problem = "<span class=\"reason\">\(HTML.escape(error.reason.rawValue))</span>"
            if let code = error.code { problem += " <code>\(HTML.escape(code))</code>" }
            problem += " " + HTML.escape(error.message)
        }
        return "<tr class=\"\(row.state.rawValue)\">"
            + cell("Account", HTML.escape(row.name), class: "name")
            + cell("Provider", HTML.escape(row.provider))
            + cell("uin", HTML.escape(row.uin), class: "uin")
            + cell("Currency", HTML.escape(row.currency ?? "—"))
            + cell("Available", available, class: "number")
            + cell("State", "<span class=\"state\">\(row.state.rawValue)</span>")
            + cell("Data age", age, class: "number")
            + cell("Last refresh took", took, class: "number")
            + cell("Next refresh", next)
            + cell("Problem", problem, class: "problem")
            + "</tr>\n"
    }
}
