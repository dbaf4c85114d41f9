import BalanceSupport
import Synchronization

/// The one log capture of the tests: a logger whose lines are kept for
/// assertions (by default at debug level, on the clock of the code under test).
package final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    package init() {}

    /// Every line logged so far, in order.
    package var all: [String] { lines.withLock { $0 } }

    package func append(_ line: String) { lines.withLock { $0.append(line) } }

    package func logger(level: LogLevel = .debug, format: LogFormat = .logfmt, clock: any WallClock = SystemClock()) -> Logger {
        Logger(level: level, format: format, clock: clock, sink: { [self] line in append(line) })
    }
}
