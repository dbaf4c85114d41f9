import BalanceCore
import BalanceHTTP
import BalanceSockets
import BalanceSupport

/// One simulated upstream of `--demo`: the provider it stands for, the
/// handler served on loopback, and its demo accounts pointed at an endpoint.
struct DemoUpstream: Sendable {
    var provider: ProviderSchema
    var handler: any HTTPHandler
    var accounts: @Sendable (_ endpoint: String) -> [AccountConfig]
}

/// `--demo`: simulated upstreams served inside the process on 127.0.0.1, and
/// the configuration that points the exporter at them, so a newcomer sees
/// every metric, dashboard panel and alert without a cloud account.
///
/// Contract: `start` binds one real HTTP server per simulated API on
/// ephemeral loopback ports, or throws and leaves nothing bound; nothing
/// leaves the machine. `config` is ready to run (validated values, the
/// schemas' default provider limits). Balances move with the injected clock:
/// read when a request is served, no timer thread. `stop()` closes every
/// server; calling it twice is harmless.
package final class DemoUpstreams: Sendable {
    /// The demo's upstreams, one per provider: add a provider's here.
    static func upstreams(clock: any WallClock, start: Double) -> [DemoUpstream] {
        [
            DemoTencentBilling.upstream(clock: clock, start: start),
            DemoYeastar.upstream(clock: clock, start: start),
        ]
    }

    /// The accounts, pointed at the servers below.
    package let config: ExporterConfig
    /// `http://127.0.0.1:PORT` of each simulated API, by provider name.
    package let endpoints: [String: String]
    /// The handler serving each provider's simulated API.
    let handlers: [String: any HTTPHandler]
    private let servers: [HTTPServer]

    private init(config: ExporterConfig, endpoints: [String: String], handlers: [String: any HTTPHandler], servers: [HTTPServer]) {
        self.config = config
        self.endpoints = endpoints
        self.handlers = handlers
        self.servers = servers
    }

    /// Starts the simulated upstreams and logs, at warn level, that every
    /// balance is simulated. Throws `SocketError` if a server cannot bind.
    package static func start(logger: Logger, clock: any WallClock = SystemClock()) throws -> DemoUpstreams {
        let upstreams = upstreams(clock: clock, start: clock.now())
        var servers: [HTTPServer] = []
        var endpoints: [String: String] = [:]
        var accounts: [AccountConfig] = []
        for upstream in upstreams {
            let server = HTTPServer(addresses: [.loopback(port: 0)], logger: logger, handler: upstream.handler)
            do {
                try server.start()
                guard let port = server.boundPorts.first else {
                    throw SocketError(call: "getsockname", code: 0, message: "demo server reports no bound port")
                }
                servers.append(server)
                let endpoint = "http://127.0.0.1:\(port)"
                endpoints[upstream.provider.name] = endpoint
                accounts += upstream.accounts(endpoint)
            } catch {
                server.shutdown(grace: 0)
                servers.forEach { $0.shutdown(grace: 0) }
                throw error
            }
        }
        let config = DemoConfig.make(accounts: accounts, schemas: upstreams.map(\.provider))
        let listed = upstreams.compactMap { upstream in endpoints[upstream.provider.name].map { "\(upstream.provider.name)=\($0)" } }
        logger.warn("demo mode: every balance is simulated by loopback fakes; no cloud account is called",
                    ["endpoints": .string(listed.joined(separator: ",")),
                     "accounts": .string(config.accounts.map(\.name).joined(separator: ","))])
        return DemoUpstreams(config: config, endpoints: endpoints,
                             handlers: Dictionary(uniqueKeysWithValues: upstreams.map { ($0.provider.name, $0.handler) }),
                             servers: servers)
    }

    /// Shuts every server down, giving requests in flight a moment to finish.
    package func stop() {
        servers.forEach { $0.shutdown(grace: 1) }
    }
}
