import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import BalanceYeastar

/// What the exporter serves, path by path: the one place that decides
/// which path answers what, and which methods a path allows (405 with
/// `Allow`), and 404 for everything else.
package protocol ExporterEndpoints: Sendable {
    /// The metrics path (`--web.telemetry-path`): GET and HEAD.
    func metrics(_ request: HTTPRequest) -> HTTPResponse
    /// `/-/ready`: configuration loaded and server running.
    var isReady: Bool { get }
    /// `POST /-/reload`: reloads unless a reload runs already.
    func reloadUnlessRunning() -> ReloadOutcome
    var telemetryPath: String { get }
    /// The accounts as the engine knows them now, for the status page and
    /// `/api/v1/accounts`: the cache, never an upstream call.
    func statusSnapshot() -> EngineSnapshot
}

/// What a reload request came to.
package enum ReloadOutcome: Sendable, Equatable {
    case reloaded
    /// The configuration is invalid; the previous one keeps running.
    case failed(ConfigProblems)
    /// Another reload is still running; this one did nothing.
    case alreadyRunning
}

package struct Router: HTTPHandler {
    let endpoints: any ExporterEndpoints
    /// `--web.enable-lifecycle`: without it `/-/reload` is refused, as Prometheus does.
    let enableLifecycle: Bool

    package init(_ endpoints: any ExporterEndpoints, enableLifecycle: Bool = false) {
        self.endpoints = endpoints
        self.enableLifecycle = enableLifecycle
    }

    /// The paths the exporter answers whatever the flags say:
    /// `--web.telemetry-path` may not take one of them.
    package static let fixedPaths = ["/", "/-/healthy", "/-/ready", "/-/reload", AccountsAPI.path, StatusPage.stylesheetPath]

    /// The status page's answers: the page and its data change with every
    /// refresh (no caching); the page may load its own stylesheet and nothing
    /// else, even if an escape were missed.
    private static let pageHeaders: HTTPHeaders = [("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff"),
                                                   ("Content-Security-Policy", "default-src 'none'; style-src 'self'")]

    /// The methods of the read-only paths, made once.
    private static let readOnly = ["GET", "HEAD"]

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let readOnly = Self.readOnly
        switch request.path {
        case endpoints.telemetryPath:
            // A query string on the metrics path is ignored (request.path has none).
            guard readOnly.contains(request.method) else { return methodNotAllowed(readOnly) }
            return endpoints.metrics(request)
        case "/":
            guard readOnly.contains(request.method) else { return methodNotAllowed(readOnly) }
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")] + Self.pageHeaders,
                                body: StatusPage.html(endpoints.statusSnapshot(), telemetryPath: endpoints.telemetryPath))
        case AccountsAPI.path:
            guard readOnly.contains(request.method) else { return methodNotAllowed(readOnly) }
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")] + Self.pageHeaders,
                                body: AccountsAPI.json(endpoints.statusSnapshot()))
        case StatusPage.stylesheetPath:
            guard readOnly.contains(request.method) else { return methodNotAllowed(readOnly) }
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/css; charset=utf-8"), ("X-Content-Type-Options", "nosniff")],
                                body: Array(StatusStylesheet.css.utf8))
        case "/-/healthy":
            guard readOnly.contains(request.method) else { return methodNotAllowed(readOnly) }
            return .text(200, "Healthy.\n")
        case "/-/ready":
            guard readOnly.contains(request.method) else { return methodNotAllowed(readOnly) }
            return endpoints.isReady ? .text(200, "Ready.\n") : .text(503, "Not ready.\n")
        case "/-/reload":
            // Prometheus accepts PUT and POST for its own reload endpoint.
            guard request.method == "POST" || request.method == "PUT" else { return methodNotAllowed(["POST", "PUT"]) }
            // Prometheus's own answer and status:
            // https://github.com/prometheus/prometheus/blob/main/web/web.go (forbiddenAPINotEnabled)
            guard enableLifecycle else { return .text(403, "Lifecycle API is not enabled.") }
            switch endpoints.reloadUnlessRunning() {
            case .reloaded:
                return .text(200, "Configuration reloaded.\n")
            case .alreadyRunning:
                return .text(503, "Reload in progress; try again when it has finished.\n")
            case .failed(let problems):
                // The problems name files and values: they go to the log, not to whoever asked.
                return .text(500, "Reload failed; the previous configuration keeps running. "
                                + "The exporter's log names the \(problems.problems.count) problem(s).\n")
            }
        default:
            return .text(404, "Not found. Metrics are at \(endpoints.telemetryPath)\n")
        }
    }

    private func methodNotAllowed(_ methods: [String]) -> HTTPResponse {
        .text(405, "Method not allowed.\n", headers: [("Allow", methods.joined(separator: ", "))])
    }
}
