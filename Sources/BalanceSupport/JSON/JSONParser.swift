/// A JSON syntax error: where (1-based line and column; columns count
/// Unicode scalars, so a multi-byte character is one column) and what was
/// expected there, e.g. `line 3, column 14: expected ',' or '}' after an object member`.
package struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var column: Int
    package var message: String

    package var description: String { "line \(line), column \(column): \(message)" }

    init(_ problem: JSONParser.Problem, in bytes: [UInt8]) {
        let end = min(problem.offset, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.line = line
        // UTF-8 continuation bytes (10xxxxxx) do not start a scalar.
        column = bytes[lineStart..<end].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        message = problem.message
    }
}

/// Strict RFC 8259 JSON (https://www.rfc-editor.org/rfc/rfc8259) over bytes,
/// pure. Beyond the grammar it rejects what a lenient reader would let
/// through silently: duplicate member names (of two, which one counts is
/// up to the reader, §4), trailing commas, invalid UTF-8 (§8.1), unescaped
/// control characters and lone surrogates in `\u` escapes (§8.2), and
/// numbers beyond Double's range (§6 allows the limit). Keys are
/// compared as Swift strings, so two spellings of one key (`é` and `e` +
/// U+0301, canonically equivalent) are duplicates too. A UTF-8 byte order
/// mark at the start is skipped, as §8.1 allows.
///
/// The parser keeps open arrays and objects on a heap stack of its own, not
/// on the thread's: the stack used is the same at any depth, and depth is
/// limited (`maxDepth`) only so that the values it returns stay shallow for
/// the recursive code that reads, compares and writes them.
struct JSONParser {
    /// Where a document breaks the syntax (a byte offset) and what was
    /// expected there; `JSONError` turns the offset into line and column.
    struct Problem: Error {
        var offset: Int
        var message: String
        init(_ offset: Int, _ message: String) {
            self.offset = offset
            self.message = message
        }
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func parse(_ bytes: [UInt8], maxDepth: Int) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes)
        do throws(Problem) {
            return try parser.document(maxDepth: maxDepth)
        } catch {
            throw JSONError(error, in: bytes)
        }
    }

    /// Unicode scalars of a duplicate key named in its error (at most 240
    /// bytes even when every one is written as a `\u` escape).
    private static let keyShown = 40

    private static let valueExpected = "expected a value (object, array, string, number, true, false or null)"

    /// An array or object whose closing bracket has not been read yet.
    private struct Open {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [String: JSONValue] = [:]
        /// The key of the member whose value is being read.
        var key = ""
    }

    private mutating func document(maxDepth: Int) throws(Problem) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var open: [Open] = []
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw problem(Self.valueExpected) }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < maxDepth else { throw Problem(index, "nested deeper than \(maxDepth) levels") }
                let isObject = bytes[index] == UInt8(ascii: "{")
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: isObject ? "}" : "]") {
                    index += 1
                    value = isObject ? .object([:]) : .array([])
                } else {
                    var container = Open(isObject: isObject)
                    if isObject { container.key = try memberKey(of: [:], "expected a string key or '}'") }
                    open.append(container)
                    continue
                }
            case UInt8(ascii: "\""):
                value = .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try number())
            case UInt8(ascii: "t"):
                try literal("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                value = .null
            default:
                throw Problem(index, Self.valueExpected)
            }
            // The value ends its container's member; a closing bracket ends
            // the container, which is then a value of its parent in turn.
            closing: while true {
                guard let last = open.indices.last else {
                    skipWhitespace()
                    guard index == bytes.count else { throw Problem(index, "expected the end of the input after the top-level value") }
                    return value
                }
                let isObject = open[last].isObject
                if isObject {
                    let key = open[last].key
                    open[last].members[key] = value
                } else {
                    open[last].elements.append(value)
                }
                skipWhitespace()
                let closer = UInt8(ascii: isObject ? "}" : "]")
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == closer {
                        throw Problem(index, (isObject ? "expected a string key" : "expected a value")
                                             + " after ',' (trailing commas are not allowed)")
                    }
                    if isObject { open[last].key = try memberKey(of: open[last].members, "expected a string key after ','") }
                    break closing
                }
                guard index < bytes.count, bytes[index] == closer else {
                    throw problem(isObject ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element")
                }
                index += 1
                let closed = open.removeLast()
                value = closed.isObject ? .object(closed.members) : .array(closed.elements)
            }
        }
    }

    /// `message` at the current byte, said to be the end when the input ends there.
    private func problem(_ message: String) -> Problem {
        Problem(index, index < bytes.count ? message : "unexpected end of input: " + message)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    /// A member's key and the `:` after it; a key the object already has is an error.
    private mutating func memberKey(of members: [String: JSONValue], _ expected: String) throws(Problem) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw problem(expected) }
        let start = index
        let key = try string()
        if members[key] != nil {
            // A key may be megabytes long: the message names its start.
            let scalars = key.unicodeScalars
            let shown = scalars.count <= Self.keyShown ? key : String(String.UnicodeScalarView(scalars.prefix(Self.keyShown))) + "…"
            throw Problem(start, "duplicate key \(JSONValue.string(shown).text)")
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw problem("expected ':' after an object key") }
        index += 1
        return key
    }

    private mutating func literal(_ word: String) throws(Problem) {
        let utf8 = word.utf8
        guard bytes[index...].starts(with: utf8) else { throw Problem(index, "expected \(word)") }
        index += utf8.count
    }

    private mutating func number() throws(Problem) -> JSONNumber {
        let start = index
        index += try JSONNumber.scan(bytes, from: start)
        let number = JSONNumber(validLiteral: String(decoding: bytes[start..<index], as: UTF8.self))
        guard number.double.isFinite else { throw Problem(start, "number out of range (beyond a Double's ±1.8e308)") }
        return number
    }

    /// The string whose opening quote is at `index`.
    private mutating func string() throws(Problem) -> String {
        let start = index
        index += 1
        var decoded: [UInt8] = []
        var run = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                if decoded.isEmpty { return String(decoding: bytes[run..<end], as: UTF8.self) }
                decoded += bytes[run..<end]
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                decoded += bytes[run..<index]
                try escape(into: &decoded)
                run = index
            case 0..<0x20:
                throw Problem(index, "unescaped control character \(Self.codePoint(UInt32(bytes[index]))) in a string")
            case 0x80...:
                index += try utf8SequenceLength()
            default:
                index += 1
            }
        }
        throw Problem(start, "unterminated string: the input ends before its closing '\"'")
    }

    /// The escape whose backslash is at `index`, appended as UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) throws(Problem) {
        let backslash = index
        index += 1
        guard index < bytes.count else { throw problem("expected an escape after '\\'") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(at: index)
            index += 4
            if (0xD800...0xDBFF).contains(scalar) {
                guard bytes[index...].starts(with: "\\u".utf8), let low = try? hex4(at: index + 2), (0xDC00...0xDFFF).contains(low) else {
                    throw Problem(backslash, "lone surrogate \\u\(Self.hex(scalar)) in a string: a high surrogate must be followed by a low one (\\uDC00-\\uDFFF)")
                }
                index += 6
                scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw Problem(backslash, "lone surrogate \\u\(Self.hex(scalar)) in a string: a low surrogate must follow a high one (\\uD800-\\uDBFF)")
            }
            // Every value left is a scalar: surrogates are handled above, and four hex digits stay below 0x10FFFF.
            if let scalar = Unicode.Scalar(scalar) { UTF8.encode(scalar) { decoded.append($0) } }
        default:
            let shown = byte >= 0x21 && byte < 0x7F ? "'\\\(Character(Unicode.Scalar(byte)))'" : "after '\\'"
            throw Problem(backslash, "invalid escape \(shown) in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
        }
    }

    /// The four hex digits of a `\u` escape at `start`.
    private func hex4(at start: Int) throws(Problem) -> UInt32 {
        var value: UInt32 = 0
        for offset in start..<(start + 4) {
            guard offset < bytes.count, let digit = ASCIIText.hexValue(bytes[offset]).map(UInt32.init) else {
                throw Problem(offset, (offset < bytes.count ? "" : "unexpected end of input: ") + "expected four hex digits after '\\u'")
            }
            value = value << 4 | digit
        }
        return value
    }


    /// The length of the well-formed UTF-8 sequence at `index`, whose first
    /// byte is not ASCII (the Unicode Standard's Table 3-7: no overlong
    /// forms, no surrogates, nothing above U+10FFFF).
    private func utf8SequenceLength() throws(Problem) -> Int {
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch bytes[index] {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xE1...0xEF: length = 3
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        case 0xF1...0xF3: length = 4
        default: throw Problem(index, "invalid UTF-8 in a string")
        }
        for offset in 1..<length {
            let position = index + offset
            guard position < bytes.count, (offset == 1 ? second : 0x80...0xBF).contains(bytes[position]) else {
                throw Problem(index, "invalid UTF-8 in a string")
            }
        }
        return length
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func codePoint(_ value: UInt32) -> String { "U+" + hex(value) }
}
