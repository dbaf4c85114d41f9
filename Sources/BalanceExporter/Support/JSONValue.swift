#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One JSON value of any shape, decoded with `JSONDecoder` and encoded with
/// `JSONEncoder` (the product owner's rule: JSON through Codable). The
/// configuration loader, both providers and the simulators all use it.
///
/// Contract, for readers of upstream data:
/// - `true`/`false` are only ever `.bool` and `0`/`1` only ever `.number`:
///   Tencent's flags and Yeastar's codes must not be confused (JSONDecoder
///   refuses `Bool` from a number and numbers from a boolean; tested).
/// - a number keeps exactness (`JSONNumber`): integers as `Int64` (a Yeastar
///   `userId` beyond 2^53 keeps every digit), other numbers as `Decimal`
///   parsed from the number's text (Tencent cents such as `1.5` stay exact),
///   and only what `Decimal` cannot hold as `Double`.
/// - nesting deeper than `maxDepth` is a decoding error, never a crash: the
///   decoding recursion then stays far below any thread's stack size.
/// - input is RFC 8259 JSON, with the one leniency of Foundation's decoder
///   that loses nothing: a trailing comma (`[1,]`) is accepted.
/// - decoding errors are thrown (`decode`) or collapse to nil (`parse`);
///   encoding never fails (a non-finite double, which JSON cannot carry,
///   encodes as `null`, RFC 8259 §6).
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// No configuration or upstream answer comes close; JSONDecoder alone
    /// would allow 512 levels.
    public static let maxDepth = 64

    /// The value `bytes` hold, or the decoder's error.
    public static func decode(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// The value `bytes` hold; nil for anything that is not JSON.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? decode(bytes)
    }

    public init(from decoder: any Decoder) throws {
        guard decoder.codingPath.count < Self.maxDepth else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "nested deeper than \(Self.maxDepth) levels"))
        }
        // Containers first: asking for the wrong kind of container fails
        // without reading further, and errors inside a member then propagate.
        if let members = try? decoder.container(keyedBy: MemberKey.self) {
            var object: [String: JSONValue] = [:]
            for key in members.allKeys {
                object[key.stringValue] = try members.decode(JSONValue.self, forKey: key)
            }
            self = .object(object)
        } else if var elements = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            while !elements.isAtEnd { array.append(try elements.decode(JSONValue.self)) }
            self = .array(array)
        } else {
            // Exactness decides the number attempts' order (see JSONNumber);
            // JSONDecoder refuses Bool from a number and numbers from a Bool.
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let bool = try? single.decode(Bool.self) {
                self = .bool(bool)
            } else if let int = try? single.decode(Int64.self) {
                self = .number(.int(int))
            } else if let decimal = try? single.decode(Decimal.self) {
                self = .number(.decimal(decimal))
            } else if let double = try? single.decode(Double.self) {
                self = .number(.double(double))
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .bool(let bool): try single.encode(bool)
        case .number(.int(let int)): try single.encode(int)
        case .number(.decimal(let decimal)): try single.encode(decimal)
        case .number(.double(let double)) where double.isFinite: try single.encode(double)
        // JSON has no NaN or infinity (RFC 8259 §6).
        case .null, .number(.double): try single.encodeNil()
        case .string(let string): try single.encode(string)
        case .array(let array): try single.encode(array)
        case .object(let object): try single.encode(object)
        }
    }

    /// Compact JSON text. Keys are sorted, so the same value always gives the
    /// same bytes (simulator answers are compared verbatim in tests).
    public var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Unreachable fallback: every JSONValue is encodable (see `encode(to:)`).
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// An object written from members that are already JSON text, in the
    /// given order: for answers that keep a documented member order or carry
    /// a deliberately odd lexeme verbatim (the Tencent simulator's raw fields).
    public static func objectText(_ members: [(key: String, json: String)]) -> String {
        "{" + members.map { JSONValue.string($0.key).text + ":" + $0.json }.joined(separator: ",") + "}"
    }

    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

// MARK: Views

extension JSONValue {
    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        object?[key]
    }

    public var object: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var string: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// Only a JSON boolean: `1` and `"true"` are not booleans.
    public var bool: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    public var number: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// A number, or a string holding exactly one JSON number (`"675.24"`,
    /// `" 1800 "`): both upstreams document some numbers as strings. The
    /// string is read by JSONDecoder too, so `"0x10"`, `"inf"`, `"nan"` and
    /// `"12 cents"` are not numbers.
    public var numberOrNumericString: JSONNumber? {
        switch self {
        case .number(let number):
            return number
        case .string(let text):
            let trimmed = text.trimmingWhitespace()
            // Only the characters of a JSON number: `"[1]"` or `"{}"` must not decode.
            guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ Self.numberCharacters.contains($0) }) else { return nil }
            return JSONValue.parse(Array(trimmed.utf8))?.number
        default:
            return nil
        }
    }

    private static let numberCharacters = Set("0123456789+-.eE".utf8)

    /// The JSON type's name, for "expected a string, got a number" messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON number, as exact as Swift can hold it. `JSONValue` decoding tries `Int64`
/// first (every integer in range, exactly), then `Decimal` (JSONDecoder
/// parses it from the number's text: `1.5`, `0.1`, up to 38 significant
/// digits), and only then `Double` (magnitudes `Decimal` cannot hold, such as
/// `1e300`). A boolean is never a number: JSONDecoder refuses all three.
public enum JSONNumber: Sendable, Equatable {
    case int(Int64)
    case decimal(Decimal)
    case double(Double)

    /// The number if it is an integer that fits `Int64`.
    public var int64: Int64? {
        if case .int(let int) = self { return int }
        return nil
    }

    /// The exact value; nil only for a `.double` (beyond `Decimal`'s range).
    public var decimal: Decimal? {
        switch self {
        case .int(let int): return Decimal(int)
        case .decimal(let decimal): return decimal
        case .double: return nil
        }
    }

    /// The nearest `Double`. A decimal converts through its decimal text, so
    /// `Decimal(123456789) / 100` gives exactly the literal `1234567.89`.
    public var double: Double {
        switch self {
        case .int(let int): return Double(int)
        case .decimal(let decimal): return Self.nearestDouble(decimal)
        case .double(let double): return double
        }
    }

    /// The digits of a whole number, exactly (`100012345678`, `-5`, and
    /// `9223372036854775808` beyond Int64); nil for fractions and `.double`s.
    public var wholeNumberText: String? {
        switch self {
        case .int(let int):
            return String(int)
        case .decimal(let decimal):
            let text = "\(decimal)"
            return text.contains(".") ? nil : text
        case .double:
            return nil
        }
    }

    /// `decimal` to the nearest Double, through its decimal text.
    public static func nearestDouble(_ decimal: Decimal) -> Double {
        Double("\(decimal)") ?? .nan
    }
}
