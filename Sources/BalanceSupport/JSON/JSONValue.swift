/// One JSON value of any shape, read by our own strict RFC 8259 parser
/// (`JSONParser`) and written compactly with sorted keys. The configuration
/// loader, both providers and the simulators all use it.
///
/// Contract, for readers of upstream data:
/// - `true`/`false` are only ever `.bool` and `0`/`1` only ever `.number`:
///   Tencent's flags and Yeastar's codes must not be confused.
/// - a number keeps its literal (`JSONNumber`), so every value derived from
///   it is exact: a Yeastar `userId` beyond 2^53 keeps every digit, Tencent
///   cents convert to major units on the digits.
/// - input is strict RFC 8259 JSON: trailing commas, duplicate keys, invalid
///   UTF-8, unescaped control characters, lone surrogates and numbers beyond
///   Double's range are errors (`JSONError`, with line and column), and so
///   is nesting deeper than `maxDepth`, never a crash.
/// - decoding errors are thrown (`decode`) or collapse to nil (`parse`);
///   encoding never fails.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// No configuration or upstream answer comes close. The parser does not
    /// recurse; the limit keeps the recursive code that compares, writes and
    /// frees decoded values shallow.
    package static let maxDepth = 64

    /// The value `bytes` hold, or where and why they are not JSON.
    package static func decode(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try JSONParser.parse(bytes, maxDepth: maxDepth)
    }

    /// The value `bytes` hold; nil for anything that is not JSON.
    package static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? decode(bytes)
    }

    /// Compact JSON text. Keys are sorted (by their UTF-8 bytes), so the same
    /// value always gives the same bytes (simulator answers are compared
    /// verbatim in tests).
    package var text: String {
        var out: [UInt8] = []
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// An object written from members that are already JSON text, in the
    /// given order: for answers that keep a documented member order or carry
    /// a deliberately odd lexeme verbatim (the Tencent simulator's raw fields).
    package static func objectText(_ members: [(key: String, json: String)]) -> String {
        "{" + members.map { JSONValue.string($0.key).text + ":" + $0.json }.joined(separator: ",") + "}"
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let bool): out += (bool ? "true" : "false").utf8
        case .number(let number): out += number.literal.utf8
        case .string(let string): Self.write(string, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(key, into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]?.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A string literal with the escapes RFC 8259 §7 requires and no others
    /// (`/` and non-ASCII stay as they are), as JSONEncoder writes it.
    private static func write(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += #"\u00"#.utf8
                out += [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: Views

extension JSONValue {
    /// The member `key` of an object; nil for a missing key or a non-object.
    package subscript(key: String) -> JSONValue? {
        object?[key]
    }

    package var object: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    package var string: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// Only a JSON boolean: `1` and `"true"` are not booleans.
    package var bool: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    package var number: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// A number, or a string holding exactly one JSON number (`"675.24"`,
    /// `" 1800 "`): both upstreams document some numbers as strings. The
    /// string must be in JSON number syntax, so `"0x10"`, `"inf"`, `"nan"`
    /// and `"12 cents"` are not numbers.
    package var numberOrNumericString: JSONNumber? {
        switch self {
        case .number(let number): return number
        case .string(let text): return JSONNumber(text.trimmingWhitespace())
        default: return nil
        }
    }

    /// The JSON type's name, for "expected a string, got a number" messages.
    package var typeName: String {
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
