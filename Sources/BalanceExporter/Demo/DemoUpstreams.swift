import BalanceCore
import BalanceHTTP
import BalanceSockets
import BalanceSupport

/// `--demo`: simulated upstreams served inside the process on 127.0.0.1, and
/// the configuration that points the exporter at them, so a newcomer sees
/// every metric, dashboard panel and alert without a cloud account.
///
/// Contract: `start` binds one real HTTP server per simulated API (Tencent
/// Cloud billing, Yeastar Partner Portal) on ephemeral loopback ports, or
/// throws and leaves nothing bound; nothing leaves the machine. `config` is
/// ready to run (validated values, the schemas' default provider limits).
/// Balances move with the injected clock: read when a request is served, no
/// timer thread. `stop()` closes both servers; calling it twice is harmless.
package final class DemoUpstreams: Sendable {
    /// The accounts, pointed at the servers below.
    package let config: ExporterConfig
    /// `http://127.0.0.1:PORT` of the simulated Tencent Cloud billing API.
    package let tencentEndpoint: String
    /// `http://127.0.0.1:PORT` of the simulated Yeastar Partner Portal.
    package let yeastarEndpoint: String

    let tencent: DemoTencentBilling
    let yeastar: DemoYeastar
    private let servers: [HTTPServer]

    private init(config: ExporterConfig, tencentEndpoint: String, yeastarEndpoint: String,
                 tencent: DemoTencentBilling, yeastar: DemoYeastar, servers: [HTTPServer]) {
        self.config = config
        self.tencentEndpoint = tencentEndpoint
        self.yeastarEndpoint = yeastarEndpoint
        self.tencent = tencent
        self.yeastar = yeastar
        self.servers = servers
    }

    /// Starts the simulated upstreams and logs, at warn level, that every
    /// balance is simulated. Throws `SocketError` if a server cannot bind.
    package static func start(logger: Logger, clock: any WallClock = SystemClock()) throws -> DemoUpstreams {
        let startTime = clock.now()
        let tencent = DemoTencentBilling(accounts: DemoTencentAccounts.all, clock: clock, start: startTime)
        let yeastar = DemoYeastar(accounts: DemoYeastarAccounts.all, clock: clock, start: startTime)
        var servers: [HTTPServer] = []
        var endpoints: [String] = []
        for handler in [tencent as any HTTPHandler, yeastar] {
            let server = HTTPServer(addresses: [.loopback(port: 0)], logger: logger, handler: handler)
            do {
                try server.start()
                guard let port = server.boundPorts.first else {
                    throw SocketError(call: "getsockname", code: 0, message: "demo server reports no bound port")
                }
                servers.append(server)
                endpoints.append("http://127.0.0.1:\(port)")
            } catch {
                server.shutdown(grace: 0)
                servers.forEach { $0.shutdown(grace: 0) }
                throw error
            }
        }
        let config = DemoConfig.make(tencentEndpoint: endpoints[0], yeastarEndpoint: endpoints[1])
        logger.warn("demo mode: every balance is simulated by loopback fakes; no cloud account is called",
                    ["tencentcloud_endpoint": .string(endpoints[0]), "yeastar_endpoint": .string(endpoints[1]),
                     "accounts": .string(config.accounts.map(\.name).joined(separator: ","))])
        return DemoUpstreams(config: config, tencentEndpoint: endpoints[0], yeastarEndpoint: endpoints[1],
                             tencent: tencent, yeastar: yeastar, servers: servers)
    }

    /// Shuts both servers down, giving requests in flight a moment to finish.
    package func stop() {
        servers.forEach { $0.shutdown(grace: 1) }
    }
}
