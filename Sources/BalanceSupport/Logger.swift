import Glibc
import Synchronization

package enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warn, error
    package static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    package var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warn: return "warn"
        case .error: return "error"
        }
    }
    package init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }
}

package enum LogFormat: String, Sendable {
    case logfmt, json
}

/// Structured logging: one line per event, `logfmt` or JSON, to an injected
/// sink (stderr in production, a buffer in tests).
package final class Logger: Sendable {
    package let level: LogLevel
    package let format: LogFormat
    private let sink: @Sendable (String) -> Void
    private let clock: any WallClock

    package init(level: LogLevel = .info, format: LogFormat = .logfmt, clock: any WallClock = SystemClock(),
                sink: @escaping @Sendable (String) -> Void = Logger.standardError) {
        self.level = level
        self.format = format
        self.clock = clock
        self.sink = sink
    }

    package static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// A logger that drops everything (tests that do not read logs).
    package static let discard = Logger(level: .error, sink: { _ in })

    package func debug(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, LogValue?> = [:]) {
        log(.debug, message(), fields)
    }
    package func info(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, LogValue?> = [:]) {
        log(.info, message(), fields)
    }
    package func warn(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, LogValue?> = [:]) {
        log(.warn, message(), fields)
    }
    package func error(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, LogValue?> = [:]) {
        log(.error, message(), fields)
    }

    /// Fields whose value is nil are left out: a line never carries an empty `code=""`.
    package func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, LogValue?>) {
        guard level >= self.level else { return }
        var pairs: [(String, LogValue)] = [("ts", .string(Logger.timestamp(clock.now()))), ("level", .string(level.name)),
                                           ("msg", .string(message()))]
        for (k, v) in fields { if let v { pairs.append((k, v)) } }
        sink(format == .json ? Logger.json(pairs) : Logger.logfmt(pairs))
    }

    /// `2026-11-23T15:09:33.100Z`: UTC, milliseconds truncated.
    static func timestamp(_ seconds: Double) -> String {
        CivilTime.rfc3339UTC(milliseconds: Int((seconds * 1000).rounded(.down)))
    }

    static func logfmt(_ pairs: [(String, LogValue)]) -> String {
        pairs.map { key, value in
            let text = value.description
            guard case .string = value else { return "\(key)=\(text)" }
            let needsQuotes = text.isEmpty || text.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline || $0 == "\\" })
            guard needsQuotes else { return "\(key)=\(text)" }
            return "\(key)=\(JSONValue.string(text).text)"  // quoted and escaped as a JSON string
        }.joined(separator: " ")
    }

    /// Strings as JSON strings; numbers and booleans as JSON numbers and booleans.
    static func json(_ pairs: [(String, LogValue)]) -> String {
        "{" + pairs.map { key, value in
            let name = JSONValue.string(key).text
            switch value {
            case .string(let text): return "\(name):\(JSONValue.string(text).text)"
            case .double(let d) where !d.isFinite: return "\(name):\(JSONValue.string(value.description).text)"
            default: return "\(name):\(value.description)"
            }
        }.joined(separator: ",") + "}"
    }
}

/// One field value of a log line: text, or a number or boolean that JSON
/// logs write as a JSON number or boolean (`"accounts":7`, not `"7"`).
package enum LogValue: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation,
                      ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case int(Int)
    /// A finite number; a non-finite one is written as text (JSON has no NaN).
    case double(Double)
    case bool(Bool)

    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .int(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }

    package var description: String {
        switch self {
        case .string(let text): return text
        case .int(let n): return String(n)
        case .double(let d): return d.isFinite ? "\(d)" : d.isNaN ? "NaN" : d > 0 ? "+Inf" : "-Inf"
        case .bool(let b): return b ? "true" : "false"
        }
    }
}
