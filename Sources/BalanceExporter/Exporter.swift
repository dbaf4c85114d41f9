import BalanceAlibabaCloud
import BalanceCore
import BalanceHTTP
import BalanceHuaweiCloud
import BalanceSimulators
import BalanceSockets
import BalanceSupport
import BalanceTencentCloud
import BalanceVolcengine
import BalanceYeastar
import Synchronization

/// Where the configuration comes from.
package enum ConfigSource: Sendable, Equatable {
    /// `--config.file`: re-read on every reload.
    case file(String)
    /// No file: zero-config from the environment.
    case environment
    /// A configuration built in the process (`--demo`).
    case fixed(ExporterConfig)
}

package struct ExporterOptions: Sendable {
    /// The default port of balance_exporter; keep it stable (dashboards, docs, images).
    package static let defaultPort = 9788
    package var listenAddresses: [String] = [":\(ExporterOptions.defaultPort)"]
    package var telemetryPath = "/metrics"
    /// `--web.config.file`: TLS, basic auth and headers (exporter-toolkit's format).
    package var webConfigFile: String?
    package var serverLimits = ServerLimits()
    /// `--web.enable-lifecycle`: `POST`/`PUT /-/reload` reloads (else 403, as Prometheus).
    package var enableLifecycle = false
    /// Seconds a scrape without `X-Prometheus-Scrape-Timeout-Seconds` waits on upstreams.
    package var defaultScrapeBudget: Double = 9.5
    /// Runs when the last upstream refresh in flight finishes: main.swift
    /// hands glibc's `malloc_trim`, so the memory a burst of refreshes freed
    /// goes back to the system instead of staying in malloc's free lists.
    package var whenRefreshesSettle: @Sendable () -> Void = {}
    package init() {}
}

package enum ExporterError: Error, Sendable, CustomStringConvertible {
    case config(ConfigProblems)
    case listen(String)
    case webConfig(String)

    package var description: String {
        switch self {
        case .config(let problems): return "invalid configuration:\n\(problems.description)"
        case .listen(let text): return text
        case .webConfig(let text): return "invalid web configuration: \(text)"
        }
    }
}

/// Wires configuration, providers, the refresh engine, the router and the
/// HTTP server, and owns reloads.
package final class Exporter: ExporterEndpoints {
    package static let providerSchemas = [TencentCloud.schema, Yeastar.schema, AlibabaCloud.schema, HuaweiCloud.schema,
                                          Volcengine.schema]

    struct State: Sendable {
        var config: ExporterConfig?
        var server: HTTPServer?
        var lastReloadSuccessful = false
        var lastReloadSuccessTime: Double?
        /// Bumped when the exporter's own families change.
        var version: UInt64 = 0
    }

    package let source: ConfigSource
    package let options: ExporterOptions
    package var telemetryPath: String { options.telemetryPath }
    private let environment: [String: String]
    private let logger: Logger
    private let clock: any WallClock
    /// One transport for every account (tests, the demo); nil: a
    /// `SocketTransport` per account network (`proxy_url`, `ca_file`).
    private let transport: (any HTTPTransport)?
    private let schemas: [ProviderSchema]
    private let engine: RefreshEngine
    private let renderCache: RenderCache
    private let negotiation = NegotiationCache()
    private let state = ReadWriteLock(State())
    /// Held while a reload runs (SIGHUP and POST /-/reload may race).
    private let reloadLock = Mutex(())

    package init(source: ConfigSource, options: ExporterOptions = ExporterOptions(), environment: [String: String],
                logger: Logger, clock: any WallClock = SystemClock(),
                transport: (any HTTPTransport)? = nil, schemas: [ProviderSchema] = Exporter.providerSchemas) {
        self.source = source
        self.options = options
        self.environment = environment
        self.logger = logger
        self.clock = clock
        self.transport = transport
        self.schemas = schemas
        self.engine = RefreshEngine(clock: clock, logger: logger, whenSettled: options.whenRefreshesSettle)
        self.renderCache = RenderCache(clock: clock)
    }

    /// A configuration that passed every check, with a client per account.
    package struct Prepared: Sendable {
        package var config: ExporterConfig
        package var providers: [String: any BalanceProvider]
        package var warnings: [String]
    }

    /// Loads and validates the configuration and builds every account's
    /// client, without touching the running state (`--config.check`, reload).
    /// Every problem is reported in one pass: the file's, and each
    /// provider's checks of every account the file defines well.
    package func prepare() throws(ConfigProblems) -> Prepared {
        let loader = ConfigLoader(schemas: schemas, environment: environment)
        let loaded: ConfigLoader.Loaded
        switch source {
        case .file(let path): loaded = loader.read(path: path)
        case .environment: loaded = loader.fromEnvironment()
        case .fixed(let config): loaded = ConfigLoader.Loaded(config: config, warnings: [])
        }
        var providers: [String: any BalanceProvider] = [:]
        var problems = loaded.problems
        var transports = Transports(environment: environment, problems: &problems)
        for account in loaded.config.accounts {
            guard let schema = schemas.first(where: { $0.name == account.provider }) else {
                preconditionFailure("the loader admits only registered providers, and the demo uses only those")
            }
            let context = ProviderContext(transport: transport ?? transports.transport(for: account.network), clock: clock,
                                          logger: logger, environment: environment, userAgent: BuildInfo.userAgent)
            do {
                providers[account.name] = try schema.make(account, context)
            } catch {
                problems += error.problems
            }
        }
        guard problems.isEmpty else { throw ConfigProblems(problems) }
        let warnings = loaded.warnings + DuplicateAccounts.warnings(loaded.config.accounts, schemas: schemas)
        return Prepared(config: loaded.config, providers: providers, warnings: warnings)
    }

    /// Loads the configuration and starts serving. Returns once every
    /// listener is bound.
    package func start() throws(ExporterError) {
        let prepared: Prepared
        do {
            prepared = try prepare()
        } catch {
            throw .config(error)
        }
        var addresses: [ListenAddress] = []
        for text in options.listenAddresses {
            do {
                addresses.append(try ListenAddress(parsing: text))
            } catch {
                throw .listen(error.description)
            }
        }
        var webConfig: WebConfigFile?
        if let path = options.webConfigFile {
            do {
                webConfig = try WebConfigFile(path: path, logger: logger)
            } catch {
                throw .webConfig(error.description)
            }
        }
        install(prepared)
        let router = Router(self, enableLifecycle: options.enableLifecycle)
        let tls: (@Sendable () -> ServerTLSContext?)? = webConfig.flatMap { file in file.tlsEnabled ? file.tlsContext : nil }
        let server = HTTPServer(addresses: addresses, limits: options.serverLimits, logger: logger, tls: tls,
                                handler: webConfig.map { WebConfigHandler($0, inner: router) } ?? router)
        do {
            try server.start()
        } catch {
            throw .listen(error.description)
        }
        state.write { $0.server = server }
    }

    /// Re-reads the configuration (and secret files), after any reload
    /// already running. An invalid one is rejected and logged; the running
    /// one stays.
    package func reload() -> ConfigProblems? {
        reloadLock.withLock { _ in reloadNow() }
    }

    /// `reload()` unless one runs already (a reload may hang on a secret
    /// file on a stalled mount: the next ones must not queue behind it).
    package func reloadUnlessRunning() -> ReloadOutcome {
        reloadLock.withLockIfAvailable { _ in reloadNow().map(ReloadOutcome.failed) ?? .reloaded } ?? .alreadyRunning
    }

    private func reloadNow() -> ConfigProblems? {
        do {
            install(try prepare())
            return nil
        } catch let problems {
            state.write {
                $0.lastReloadSuccessful = false
                $0.version += 1
            }
            for problem in problems.problems {
                logger.error("configuration reload failed; keeping the previous configuration", ["problem": .string(problem.description)])
            }
            return problems
        }
    }

    private func install(_ prepared: Prepared) {
        // Accounts whose configuration is unchanged keep their client (and
        // its tokens) and their cached data inside the engine.
        engine.apply(prepared.config, providers: prepared.providers)
        let now = clock.now()
        state.write {
            $0.config = prepared.config
            $0.lastReloadSuccessful = true
            $0.lastReloadSuccessTime = now
            $0.version += 1
        }
        for warning in prepared.warnings { logger.warn(warning) }
        let byProvider = Dictionary(grouping: prepared.config.accounts, by: \.provider).mapValues(\.count)
        logger.info("configuration loaded", ["source": .string(prepared.config.source), "accounts": .int(prepared.config.accounts.count),
                                             "providers": .string(byProvider.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))])
    }

    package var isReady: Bool { state.read { $0.config != nil && $0.server != nil } }

    package func statusSnapshot() -> EngineSnapshot { engine.snapshot() }

    package var boundPorts: [Int] { state.read { $0.server?.boundPorts ?? [] } }

    package func metrics(_ request: HTTPRequest) -> HTTPResponse {
        let (version, server) = state.read { ($0.version, $0.server) }
        // The refusal counter is one of our families; both only grow, so the sum changes whenever either does.
        let exporterVersion = version &+ UInt64(server?.refusedConnectionCount ?? 0)
        return MetricsEndpoint(engine: engine, cache: renderCache, clock: clock, exporterVersion: exporterVersion,
                               defaultBudget: options.defaultScrapeBudget, exporterFamilies: { [self] in exporterFamilies() },
                               negotiation: negotiation)
            .respond(request)
    }

    func exporterFamilies() -> [MetricFamily] {
        let (successful, time, server) = state.read { ($0.lastReloadSuccessful, $0.lastReloadSuccessTime, $0.server) }
        let refused = server?.refusedConnections ?? [:]
        var families = [
            MetricFamily(Catalog.buildInfo, samples: [Sample(labels: [
                Label("version", BuildInfo.version), Label("revision", BuildInfo.revision), Label("swiftversion", BuildInfo.swiftVersion),
            ], value: 1)]),
            MetricFamily(Catalog.configReloadSuccessful, samples: [Sample(labels: [], value: successful ? 1 : 0)]),
            MetricFamily(Catalog.httpConnectionsRefused, samples: HTTPServer.RefusalReason.allCases.map {
                Sample(labels: [Label("reason", $0.rawValue)], value: Double(refused[$0] ?? 0))
            }),
        ]
        if let time {
            families.append(MetricFamily(Catalog.configReloadTimestamp, samples: [Sample(labels: [], value: time)]))
        }
        return families
    }

    /// Stops accepting, lets in-flight responses finish within `grace`
    /// seconds; scrapes waiting on upstreams stop waiting and answer with
    /// what is cached.
    package func shutdown(grace: Double) {
        let server = state.write { s -> HTTPServer? in
            defer { s.server = nil }
            return s.server
        }
        engine.stopWaiting()
        server?.shutdown(grace: grace)
    }
}

/// The upstream transports of one configuration: one per distinct account
/// network, so accounts that share a proxy and CA bundle share the loaded
/// bundle too. The environment's proxy variables are read once, here: an
/// unreadable one is a configuration problem naming the variable.
struct Transports {
    private let proxyEnvironment: ProxyEnvironment
    private var made: [UpstreamNetwork: SocketTransport] = [:]

    init(environment: [String: String], problems: inout [ConfigProblem]) {
        do throws(ProxyError) {
            proxyEnvironment = try ProxyEnvironment(environment)
        } catch {
            problems.append(ConfigProblem(location: "environment", key: nil, message: error.description))
            proxyEnvironment = ProxyEnvironment()
        }
    }

    mutating func transport(for network: UpstreamNetwork) -> SocketTransport {
        if let existing = made[network] { return existing }
        let fresh = SocketTransport(caFile: network.caFile, proxy: network.proxy, proxyEnvironment: proxyEnvironment)
        made[network] = fresh
        return fresh
    }
}
