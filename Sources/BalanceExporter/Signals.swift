import BalanceCore
import BalanceSockets
import BalanceSupport
import Glibc

/// The process's signal handling: SIGTERM and SIGINT stop accepting, let
/// in-flight responses finish and exit 0; SIGHUP reloads the configuration
/// on a thread of its own, so a reload stuck reading a file (a hung
/// network mount) never keeps the main thread from taking SIGTERM.
///
/// The three signals are blocked in every thread and taken synchronously by
/// the main thread with `sigwait`: no async-signal handler runs, and the main
/// thread stays an ordinary thread (no `dispatchMain()`, whose `pthread_exit`
/// unwinds the main stack through the whole unwind table at start-up).
package enum Signals {
    /// The blocked set; `serve` takes the signals until a terminating one.
    package struct Blocked: Sendable {
        let numbers: [Int32]

        /// Takes the blocked signals on the calling (main) thread. A signal
        /// sent before this runs waits, pending, so a SIGHUP sent as soon as
        /// the port answers reloads rather than kills.
        package func serve(_ exporter: Exporter, logger: Logger, grace: Double = 1.5,
                          cleanup: () -> Void = {}) -> Never {
            var set = Signals.set(of: numbers)
            while true {
                var number: Int32 = 0
                guard sigwait(&set, &number) == 0 else { continue }
                if number == SIGHUP {
                    logger.info("reloading configuration", ["signal": "SIGHUP"])
                    let started = DetachedThread.start {
                        if exporter.reloadUnlessRunning() == .alreadyRunning {
                            logger.warn("SIGHUP ignored: a reload is still running")
                        }
                    }
                    if !started { logger.error("cannot start a thread to reload the configuration") }
                    continue
                }
                logger.info("shutting down", ["signal": .string(number == SIGINT ? "SIGINT" : "SIGTERM")])
                exporter.shutdown(grace: grace)
                cleanup()
                logger.info("stopped")
                exit(0)
            }
        }
    }

    /// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread. Call it on the
    /// main thread before any other thread starts: threads inherit the mask,
    /// so none of them can be picked to take (and die of) these signals.
    package static func block() -> Blocked {
        let numbers = [SIGTERM, SIGINT, SIGHUP]
        var set = set(of: numbers)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        return Blocked(numbers: numbers)
    }

    static func set(of numbers: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers { sigaddset(&set, number) }
        return set
    }
}
