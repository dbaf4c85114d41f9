/// Placeholder until the demo upstreams land: see the demo branch.
public final class DemoUpstreams: Sendable {
    public let config: ExporterConfig
    init(config: ExporterConfig) { self.config = config }
    public static func start(logger: Logger, clock: any WallClock = SystemClock()) throws -> DemoUpstreams {
        DemoUpstreams(config: ExporterConfig(source: "demo"))
    }
    public func stop() {}
}
