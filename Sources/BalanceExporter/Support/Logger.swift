#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warn, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    public var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warn: return "warn"
        case .error: return "error"
        }
    }
    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }
}

public enum LogFormat: String, Sendable {
    case logfmt, json
}

/// Structured logging: one line per event, `logfmt` or JSON, to an injected
/// sink (stderr in production, a buffer in tests).
public final class Logger: Sendable {
    public let level: LogLevel
    public let format: LogFormat
    private let sink: @Sendable (String) -> Void
    private let clock: any WallClock

    public init(level: LogLevel = .info, format: LogFormat = .logfmt, clock: any WallClock = SystemClock(),
                sink: @escaping @Sendable (String) -> Void = Logger.standardError) {
        self.level = level
        self.format = format
        self.clock = clock
        self.sink = sink
    }

    public static let standardError: @Sendable (String) -> Void = { line in
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
    public static let discard = Logger(level: .error, sink: { _ in })

    public func debug(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.debug, message(), fields)
    }
    public func info(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.info, message(), fields)
    }
    public func warn(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.warn, message(), fields)
    }
    public func error(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.error, message(), fields)
    }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String>) {
        guard level >= self.level else { return }
        var pairs: [(String, String)] = [("ts", Logger.timestamp(clock.now())), ("level", level.name), ("msg", message())]
        for (k, v) in fields { pairs.append((k, v)) }
        sink(format == .json ? Logger.json(pairs) : Logger.logfmt(pairs))
    }

    /// `2026-11-23T15:09:33.100Z`: UTC, milliseconds truncated.
    static func timestamp(_ seconds: Double) -> String {
        CivilTime.rfc3339UTC(milliseconds: Int((seconds * 1000).rounded(.down)))
    }

    static func logfmt(_ pairs: [(String, String)]) -> String {
        pairs.map { key, value in
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline || $0 == "\\" })
            guard needsQuotes else { return "\(key)=\(value)" }
            return "\(key)=\"\(escape(value))\""
        }.joined(separator: " ")
    }

    static func json(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\"\(escape($0.0))\":\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
