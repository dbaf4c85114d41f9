import Foundation

/// A parsed JSON value, strict about types: a `true` is never a number and
/// an integer keeps every digit (a `userId` beyond 2^53 stays exact).
///
/// Yeastar's envelope is loosely specified (`expiresIn` documented as a string
/// but sent as a number by some deployments, `result` carrying field-level
/// detail on errors), so the client parses into this value and picks fields
/// defensively instead of decoding fixed structs.
enum YeastarJSON: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([YeastarJSON])
    case object([String: YeastarJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let b = try? container.decode(Bool.self) { self = .bool(b); return }
        if let i = try? container.decode(Int64.self) { self = .int(i); return }
        if let d = try? container.decode(Double.self) { self = .double(d); return }
        if let s = try? container.decode(String.self) { self = .string(s); return }
        if let a = try? container.decode([YeastarJSON].self) { self = .array(a); return }
        self = .object(try container.decode([String: YeastarJSON].self))
    }

    /// Parses bytes; nil for anything that is not JSON.
    static func parse(_ bytes: [UInt8]) -> YeastarJSON? {
        try? JSONDecoder().decode(YeastarJSON.self, from: Data(bytes))
    }

    subscript(key: String) -> YeastarJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A number, or a string holding a finite decimal number (`"675.24"`,
    /// `"1800"`): Yeastar documents several numbers as strings.
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d.isFinite ? d : nil
        case .string(let s):
            guard let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite else { return nil }
            return d
        default: return nil
        }
    }

    /// An identifier given as a string or a number, as text (`123`, not `123.0`).
    var identifier: String? {
        switch self {
        case .string(let s): return s.isEmpty ? nil : s
        case .int(let i): return String(i)
        case .double(let d):
            guard d.isFinite else { return nil }
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        default: return nil
        }
    }
}
