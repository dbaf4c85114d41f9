import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport

/// Answers a scrape: refreshes due accounts within the scrape's budget,
/// then renders the cache in the negotiated format.
struct MetricsEndpoint: Sendable {
    /// blackbox_exporter's margin: answer a little before Prometheus gives up.
    static let timeoutMargin = 0.5
    let engine: RefreshEngine
    let cache: RenderCache
    let clock: any WallClock
    /// Changes with the exporter's own families (reload state).
    let exporterVersion: UInt64
    /// Seconds a scrape may wait on upstreams when Prometheus sends no
    /// `X-Prometheus-Scrape-Timeout-Seconds` (curl, a browser).
    let defaultBudget: Double
    let exporterFamilies: @Sendable () -> [MetricFamily]
    /// Kept across scrapes: each distinct pair of headers is parsed once.
    let negotiation: NegotiationCache

    /// The scrape's budget: Prometheus's timeout minus the margin.
    static func budget(scrapeTimeoutHeader: String?, default defaultBudget: Double) -> Double {
        // The parser has trimmed the value already: trim again only if it must.
        guard let header = scrapeTimeoutHeader, let timeout = Double(header) ?? Double(header.trimmingWhitespace()),
              timeout.isFinite, timeout > 0 else { return defaultBudget }
        return max(0, timeout - timeoutMargin)
    }

    /// Until when a scrape that arrived at `arrival` and must answer by
    /// `answerBy` waits for refreshes: its budget covers rendering too, so
    /// it stops `renderSeconds` (what the last renders took) before.
    static func waitDeadline(arrival: Double, answerBy: Double, renderSeconds: Double) -> Double {
        max(arrival, answerBy - renderSeconds)
    }

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        // The server calls its handler as soon as it has parsed the request.
        let arrival = clock.now()
        let answerBy = arrival + Self.budget(scrapeTimeoutHeader: request.headers["X-Prometheus-Scrape-Timeout-Seconds"],
                                             default: defaultBudget)
        let deadline = Self.waitDeadline(arrival: arrival, answerBy: answerBy, renderSeconds: cache.expectedRenderSeconds)
        engine.refresh(budget: deadline - clock.now())
        let negotiated = negotiation.negotiate(accept: request.headers.combined("Accept"),
                                               acceptEncoding: request.headers.combined("Accept-Encoding"))
        let format = negotiated.format
        let wanted = RenderCache.Key(generation: engine.generation, exporterVersion: exporterVersion)
        // Between changes the whole answer is cached: one shared read.
        switch cache.cached(format: format, key: wanted, gzip: negotiated.gzip, now: clock.now()) {
        case .gzip(let body)?:
            return HTTPResponse(status: 200, headers: Self.headers(format, gzip: true), body: body)
        case .plain(let body, let process)?:
            return HTTPResponse(status: 200, headers: Self.headers(format, gzip: false), chunks: [body, process])
        case nil:
            break
        }
        let render: @Sendable () -> RenderCache.Rendered = { [engine, exporterFamilies, exporterVersion] in
            let snapshot = engine.snapshot()
            var part: [UInt8] = []
            part.reserveCapacity(4096 + snapshot.accounts.count * 1536)
            format.render(AccountFamilies.families(snapshot) + exporterFamilies(), into: &part, terminate: false)
            return RenderCache.Rendered(body: part, validUntil: RenderCache.validUntil(snapshot),
                                        key: RenderCache.Key(generation: snapshot.generation, exporterVersion: exporterVersion))
        }
        // Every balance_* family sorts before process_*: appending keeps the body sorted.
        let processPart = cache.processPart(format: format, now: clock.now()) {
            var part: [UInt8] = []
            part.reserveCapacity(2048)
            format.render(ProcessMetrics.collect(), into: &part)
            return part
        }
        // A render that would not finish in time leaves this scrape the last rendering.
        let (key, compress) = cache.answerable(wanted, format: format, gzip: negotiated.gzip, by: answerBy, render: render)
        if compress, let body = cache.gzipBody(format: format, key: key, now: clock.now(), process: processPart, render: render) {
            return HTTPResponse(status: 200, headers: Self.headers(format, gzip: true), body: body)
        }
        // The cached part is shared, not copied: the server sends it and the
        // fresh process part with one sendmsg.
        return HTTPResponse(status: 200, headers: Self.headers(format, gzip: false),
                            chunks: [cache.body(format: format, key: key, now: clock.now(), render: render), processPart.bytes])
    }

    /// The response headers of each format and coding, made once.
    static func headers(_ format: ExpositionFormat, gzip: Bool) -> HTTPHeaders {
        switch (format, gzip) {
        case (.text004, false): textHeaders
        case (.text004, true): textGzipHeaders
        case (.openMetrics100, false): openMetricsHeaders
        case (.openMetrics100, true): openMetricsGzipHeaders
        }
    }

    private static let textHeaders = plainHeaders(.text004)
    private static let textGzipHeaders = gzipHeaders(.text004)
    private static let openMetricsHeaders = plainHeaders(.openMetrics100)
    private static let openMetricsGzipHeaders = gzipHeaders(.openMetrics100)

    private static func plainHeaders(_ format: ExpositionFormat) -> HTTPHeaders {
        [("Content-Type", format.contentType)]
    }

    private static func gzipHeaders(_ format: ExpositionFormat) -> HTTPHeaders {
        [("Content-Type", format.contentType), ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
    }
}
