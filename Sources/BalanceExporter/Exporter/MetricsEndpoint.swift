import Foundation

/// Answers a scrape: refreshes due accounts within the scrape's budget,
/// then renders the cache in the negotiated format.
struct MetricsEndpoint: Sendable {
    /// blackbox_exporter's margin: answer a little before Prometheus gives up.
    static let timeoutMargin = 0.5
    let engine: RefreshEngine
    /// Seconds a scrape may wait on upstreams when Prometheus sends no
    /// `X-Prometheus-Scrape-Timeout-Seconds` (curl, a browser).
    let defaultBudget: Double
    let exporterFamilies: @Sendable () -> [MetricFamily]

    /// The scrape's budget: Prometheus's timeout minus the margin.
    static func budget(scrapeTimeoutHeader: String?, default defaultBudget: Double) -> Double {
        guard let header = scrapeTimeoutHeader, let timeout = Double(header.trimmingCharacters(in: .whitespaces)),
              timeout.isFinite, timeout > 0 else { return defaultBudget }
        return max(0, timeout - timeoutMargin)
    }

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        let budget = Self.budget(scrapeTimeoutHeader: request.header("X-Prometheus-Scrape-Timeout-Seconds"), default: defaultBudget)
        let snapshot = engine.collect(budget: budget)
        let accept = request.headers.filter { $0.name.lowercased() == "accept" }.map(\.value).joined(separator: ",")
        let format = ExpositionFormat.negotiate(accept: accept.isEmpty ? nil : accept)
        var body: [UInt8] = []
        body.reserveCapacity(4096 + snapshot.accounts.count * 2048)
        format.render(AccountFamilies.families(snapshot) + exporterFamilies() + ProcessMetrics.collect(), into: &body)
        return HTTPResponse(status: 200, headers: [("Content-Type", format.contentType)], body: body,
                            omitBody: request.method == "HEAD")
    }
}
