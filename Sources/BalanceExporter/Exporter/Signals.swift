import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's signal handling: SIGTERM and SIGINT stop accepting, let
/// in-flight responses finish and exit 0; SIGHUP reloads the configuration.
/// Signals are delivered to dispatch sources, never async-signal handlers.
public enum Signals {
    /// The installed handlers; `wait()` serves until a terminating signal.
    public struct Installed {
        let sources: [DispatchSourceSignal]

        public func wait() -> Never {
            withExtendedLifetime(sources) { dispatchMain() }
        }
    }

    /// Installs the handlers without waiting. Call it before
    /// `Exporter.start()`: once the port answers, a SIGHUP or SIGTERM must
    /// already be handled, not hit the default action (terminate).
    public static func install(_ exporter: Exporter, logger: Logger, grace: Double = 1.5,
                               cleanup: @escaping @Sendable () -> Void = {}) -> Installed {
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] { signal(signalNumber, SIG_IGN) }
        let queue = DispatchQueue(label: "balance_exporter.signals")
        var sources: [DispatchSourceSignal] = []
        for (signalNumber, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                logger.info("shutting down", ["signal": name])
                exporter.shutdown(grace: grace)
                cleanup()
                logger.info("stopped")
                exit(0)
            }
            source.resume()
            sources.append(source)
        }
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler {
            logger.info("reloading configuration", ["signal": "SIGHUP"])
            _ = exporter.reload()
        }
        hangup.resume()
        sources.append(hangup)
        return Installed(sources: sources)
    }
}
