/// The YAML 1.2 core schema's resolution of plain scalars
/// (https://yaml.org/spec/1.2.2/#103-core-schema), exactly its spellings:
/// `yes`, `on`, `0o` without digits, `1e3x` and `1_000` are strings, as in
/// YAML 1.2 (YAML 1.1's booleans and sexagesimals are not read).
package enum YAMLCoreSchema {
    package static func isNull(_ text: String) -> Bool {
        text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    package static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// The number a plain scalar spells, in JSON syntax: `+12` is 12, `0o14`
    /// and `0xC` are 12, `0640` is 640 (decimal: the core schema has no
    /// leading-zero octal), `.5` is 0.5, `1.` is 1. Nil for anything else and
    /// for numbers JSON cannot hold (`.inf`, `.nan`, beyond a Double, or an
    /// octal/hex beyond 64 bits).
    package static func number(_ text: String) -> JSONNumber? {
        var digits = Substring(text)
        var negative = false
        if digits.hasPrefix("0o") || digits.hasPrefix("0x") {
            let radix = digits.hasPrefix("0o") ? 8 : 16
            let body = digits.dropFirst(2)
            guard !body.isEmpty, body.utf8.allSatisfy({ isDigit($0, radix: radix) }),
                  let value = UInt64(body, radix: radix) else { return nil }
            return JSONNumber(value)
        }
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        // [0-9]+ | \.[0-9]+ | [0-9]+\.[0-9]* , then ([eE][-+]?[0-9]+)?
        let bytes = Array(digits.utf8)
        var index = 0
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index], radix: 10) { index += 1 }
        let integer = bytes[integerStart..<index]
        var fraction: ArraySlice<UInt8> = []
        var isFloat = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isFloat = true
            index += 1
            let fractionStart = index
            while index < bytes.count, isDigit(bytes[index], radix: 10) { index += 1 }
            fraction = bytes[fractionStart..<index]
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return nil }
        var exponent = ""
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isFloat = true
            index += 1
            var exponentText = ""
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentText.append(Character(Unicode.Scalar(bytes[index])))
                index += 1
            }
            let exponentStart = index
            while index < bytes.count, isDigit(bytes[index], radix: 10) { index += 1 }
            guard index > exponentStart else { return nil }
            exponent = "e" + exponentText + String(decoding: bytes[exponentStart..<index], as: UTF8.self)
        }
        guard index == bytes.count else { return nil }
        // JSON syntax: no leading zeros, digits on both sides of the point.
        var whole = String(decoding: integer.drop(while: { $0 == UInt8(ascii: "0") }), as: UTF8.self)
        if whole.isEmpty { whole = "0" }
        var literal = (negative ? "-" : "") + whole
        if isFloat, !fraction.isEmpty { literal += "." + String(decoding: fraction, as: UTF8.self) }
        return JSONNumber(literal + exponent)
    }

    private static func isDigit(_ byte: UInt8, radix: Int) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "7"): return true
        case UInt8(ascii: "8"), UInt8(ascii: "9"): return radix >= 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): return radix == 16
        default: return false
        }
    }
}

extension YAMLNode {
    /// The document as JSON, by the core schema: plain scalars resolve to
    /// null, booleans and numbers where they spell one (and stay strings
    /// otherwise, like `.inf`, which JSON cannot carry); quoted and block
    /// scalars are always strings; keys are their text. The result is at
    /// most `YAMLDocument.maxDepth` deep, as the tree is.
    package var jsonValue: JSONValue {
        switch content {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.text) }
            if scalar.isNull { return .null }
            if let bool = YAMLCoreSchema.bool(scalar.text) { return .bool(bool) }
            if var number = YAMLCoreSchema.number(scalar.text) {
                if number.literal != scalar.text { number.spelling = scalar.text }
                return .number(number)
            }
            return .string(scalar.text)
        case .sequence(let nodes):
            return .array(nodes.map(\.jsonValue))
        case .mapping(let members):
            var object: [String: JSONValue] = [:]
            for member in members { object[member.key.text] = member.value.jsonValue }
            return .object(object)
        }
    }
}
