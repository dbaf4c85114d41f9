import BalanceCore
import BalanceExporter
import BalanceHTTP
import BalanceSupport
import BalanceSockets
import CMalloc
import Glibc

// flags/env -> Config -> Exporter; signals. Exit codes: 0 ok, 1 runtime or
// configuration failure, 2 usage error.

let environment = ProcessEnvironment.current()
// glibc's malloc gives threads that allocate at the same time arenas of their own (up to 8 per
// core) and keeps what each one grew: after the upstream exchange threads of a refresh, 100
// accounts left ~15 arenas and 3 MB idle. Two keep idle memory near 1 MB (Tests/bench/RESULTS.md);
// the scrape path allocates too little to contend. MALLOC_ARENA_MAX, when set, wins.
if environment["MALLOC_ARENA_MAX"] == nil { _ = mallopt(M_ARENA_MAX, 2) }
/// A usage error: the message and the usage on stderr, exit 2.
func usageError(_ message: String) -> Never {
    Logger.standardError("balance_exporter: \(message)\n\n\(Flags.usage)")
    exit(2)
}

let flags: Flags
do {
    flags = try Flags.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    usageError(error.message)
}

if flags.help {
    print(Flags.usage)
    exit(0)
}
if flags.version {
    print("balance_exporter, version \(BuildInfo.version) (revision: \(BuildInfo.revision))\n  swift version: \(BuildInfo.swiftVersion)")
    exit(0)
}

var options = ExporterOptions()
if !flags.listenAddresses.isEmpty { options.listenAddresses = flags.listenAddresses }
options.telemetryPath = flags.telemetryPath
options.webConfigFile = flags.webConfigFile
options.serverLimits.maxConnections = flags.maxConnections
options.serverLimits.maxConnectionsPerPeer = flags.maxConnectionsPerPeer
options.enableLifecycle = flags.enableLifecycle
options.whenRefreshesSettle = { _ = malloc_trim(0) }

if flags.healthCheck {
    guard let first = options.listenAddresses.first, let address = try? ListenAddress(parsing: first) else {
        Logger.standardError("balance_exporter: invalid --web.listen-address")
        exit(2)
    }
    let target = HealthCheck.probeTarget(for: address)
    exit(HealthCheck.probe(host: target.host, port: target.port, webConfigFile: flags.webConfigFile) ? 0 : 1)
}

// Before any thread starts (the demo's upstreams, the server): every thread
// inherits the blocked mask and only the main thread takes these signals.
let signals = Signals.block()
let logger = Logger(level: flags.logLevel, format: flags.logFormat)

let source: ConfigSource
let demo: DemoUpstreams?
if flags.demo {
    do {
        let upstreams = try DemoUpstreams.start(logger: logger)
        demo = upstreams
        source = .fixed(upstreams.config)
    } catch {
        logger.error("cannot start the demo upstreams", ["err": "\(error)"])
        exit(1)
    }
} else if let path = flags.configFile {
    demo = nil
    source = .file(path)
} else {
    demo = nil
    source = .environment
}

let exporter = Exporter(source: source, options: options, environment: environment, logger: logger)

if flags.configCheck {
    do {
        let prepared = try exporter.prepare()
        for warning in prepared.warnings { print("warning: \(warning)") }
        let names = prepared.config.accounts.map { "\($0.name) (\($0.provider))" }.joined(separator: ", ")
        print("configuration OK: \(prepared.config.accounts.count) account(s)\(names.isEmpty ? "" : ": \(names)")")
        exit(0)
    } catch let problems {
        print("configuration invalid: \(problems.problems.count) problem(s)")
        for problem in problems.problems { print("  \(problem)") }
        exit(1)
    }
}

if let limit = FileLimit.raiseToHardLimit(), let problem = FileLimit.problem(maxConnections: flags.maxConnections, limit: limit) {
    usageError(problem)
}

logger.info("starting balance_exporter", ["version": .string(BuildInfo.version), "revision": .string(BuildInfo.revision), "swift": .string(BuildInfo.swiftVersion)])
do {
    try exporter.start()
} catch {
    switch error {
    case .config(let problems):
        for problem in problems.problems { logger.error("invalid configuration", ["problem": .string(problem.description)]) }
    case .listen(let text):
        logger.error(text)
    case .webConfig(let text):
        logger.error("invalid web configuration", ["err": .string(text)])
    }
    exit(1)
}

signals.serve(exporter, logger: logger, cleanup: { demo?.stop() })
