/// A reader for the YAML that configuration files are written in
/// (YAML 1.2.2, https://yaml.org/spec/1.2.2/), over bytes, pure: block
/// mappings and sequences (compact forms included), flow `[ ]` and `{ }`,
/// plain, single- and double-quoted scalars (every escape of §5.7) and block
/// scalars (`|`, `>`, with chomping and indentation indicators, §8.1),
/// comments, `---` and `...`. Line breaks may be LF, CRLF or CR (§5.4).
///
/// Refused with an error that names them: anchors and aliases, tags, merge
/// keys (`<<`), complex keys (`? ` or a collection as a key), directives
/// (`%YAML`), a second document, duplicate keys (as the strict JSON parser
/// refuses them), tabs in indentation, characters YAML does not allow
/// (§5.1: control characters, invalid UTF-8).
///
/// Recursive descent: each level of nesting costs a few small frames and
/// nesting is limited to `maxDepth`, so no input can exhaust the stack; every
/// byte is looked at a bounded number of times.
struct YAMLParser {
    struct Problem: Error {
        var offset: Int
        var message: String
        var path: [String]
    }

    private let bytes: [UInt8]
    private let maxDepth: Int
    private var index = 0
    private var depth = 0
    /// Keys and `[index]`es from the root to the node being read, for errors.
    private var path: [String] = []
    private let lineStarts: [Int]
    /// The last position computed, so that columns are counted once per line.
    private var memo = (line: 0, offset: 0, column: 1)

    private init(_ bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == Byte.lf { starts.append(offset + 1) }
        lineStarts = starts
    }

    static func parse(_ raw: [UInt8], maxDepth: Int) throws(YAMLError) -> YAMLNode {
        var parser = YAMLParser(normalizingLineBreaks(raw), maxDepth: maxDepth)
        do throws(Problem) {
            try parser.checkCharacters()
            return try parser.document()
        } catch {
            let (line, column) = parser.position(error.offset)
            throw YAMLError(line: line, column: column, path: pathText(error.path), message: error.message)
        }
    }

    /// CRLF and CR as LF (§5.4: all line breaks are equal); line numbers
    /// are unchanged and a removed CR never preceded a column.
    private static func normalizingLineBreaks(_ raw: [UInt8]) -> [UInt8] {
        guard raw.contains(Byte.cr) else { return raw }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        for (offset, byte) in raw.enumerated() {
            if byte == Byte.cr {
                if offset + 1 < raw.count, raw[offset + 1] == Byte.lf { continue }
                out.append(Byte.lf)
            } else {
                out.append(byte)
            }
        }
        return out
    }

    private static func pathText(_ path: [String]) -> String {
        var text = ""
        for part in path {
            if !text.isEmpty, !part.hasPrefix("[") { text += "." }
            text += part
        }
        return text
    }

    // MARK: Characters (§5.1)

    /// Valid UTF-8 of printable characters only (c-printable): tab, line
    /// feed, U+0020-U+007E, U+0085, U+00A0 onwards except surrogates and
    /// U+FFFE/U+FFFF.
    private func checkCharacters() throws(Problem) {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                let value = scalar.value
                let printable = value == 0x09 || value == 0x0A || (0x20...0x7E).contains(value) || value == 0x85
                    || (0xA0...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value) || value >= 0x10000
                guard printable else {
                    let hex = String(value, radix: 16, uppercase: true)
                    throw Problem(offset: offset, message: "character U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex) is not allowed in YAML (quote it as an escape)", path: [])
                }
                offset += UTF8.width(scalar)
            case .emptyInput:
                return
            case .error:
                throw Problem(offset: offset, message: "not valid UTF-8", path: [])
            }
        }
    }

    // MARK: Positions

    /// 1-based line and column (in Unicode scalars) of a byte offset.
    func position(_ offset: Int) -> (Int, Int) {
        let offset = min(max(offset, 0), bytes.count)
        let line = lineIndex(offset)
        var (from, column) = (lineStarts[line], 1)
        if line == memo.line, offset >= memo.offset { (from, column) = (memo.offset, memo.column) }
        for k in from..<offset where bytes[k] & 0xC0 != 0x80 { column += 1 }
        return (line + 1, column)
    }

    /// The 0-based line holding `offset`.
    private func lineIndex(_ offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    private mutating func locate(_ offset: Int) -> (line: Int, column: Int) {
        let (line, column) = position(offset)
        memo = (line - 1, min(max(offset, 0), bytes.count), column)
        return (line, column)
    }

    private mutating func scalar(_ text: String, _ style: YAMLScalar.Style, at offset: Int) -> YAMLScalar {
        let (line, column) = locate(offset)
        return YAMLScalar(text, style: style, line: line, column: column)
    }

    private func node(_ scalar: YAMLScalar) -> YAMLNode {
        YAMLNode(.scalar(scalar), line: scalar.line, column: scalar.column)
    }

    private mutating func null(at offset: Int) -> YAMLNode {
        node(scalar("", .plain, at: offset))
    }

    private func problem(_ message: String, at offset: Int? = nil) -> Problem {
        Problem(offset: offset ?? index, message: message, path: path)
    }

    // MARK: Bytes

    private enum Byte {
        static let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        static let colon = UInt8(ascii: ":"), hash = UInt8(ascii: "#"), dash = UInt8(ascii: "-"), question = UInt8(ascii: "?")
        static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "'"), doubleQuote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
        static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
        static let pipe = UInt8(ascii: "|"), greater = UInt8(ascii: ">"), dot = UInt8(ascii: ".")
    }

    /// The byte `ahead` of the current one; 0 past the end (NUL itself is
    /// refused by `checkCharacters`, so 0 means the end).
    private func peek(_ ahead: Int = 0) -> UInt8 {
        let offset = index + ahead
        return offset < bytes.count ? bytes[offset] : 0
    }

    private static func isWhite(_ byte: UInt8) -> Bool { byte == Byte.space || byte == Byte.tab }
    private static func isEnd(_ byte: UInt8) -> Bool { byte == Byte.lf || byte == 0 }
    private static func isWhiteOrEnd(_ byte: UInt8) -> Bool { isWhite(byte) || isEnd(byte) }
    private static func isFlowIndicator(_ byte: UInt8) -> Bool {
        byte == Byte.comma || byte == Byte.openBracket || byte == Byte.closeBracket || byte == Byte.openBrace || byte == Byte.closeBrace
    }

    private func lineStart(_ offset: Int) -> Int {
        lineStarts[lineIndex(min(offset, bytes.count))]
    }

    /// `---` or `...` at `lineStart`, alone or followed by white space.
    private func isDocumentMarker(_ start: Int) -> Bool {
        guard start + 3 <= bytes.count, start == 0 || bytes[start - 1] == Byte.lf else { return false }
        let marker = bytes[start..<(start + 3)]
        guard marker.elementsEqual("---".utf8) || marker.elementsEqual("...".utf8) else { return false }
        return start + 3 == bytes.count || Self.isWhiteOrEnd(bytes[start + 3])
    }

    /// Spaces and tabs, then a comment (a `#` after white space or at the
    /// start of a line) up to the line break, which is not consumed.
    private mutating func skipInLine() {
        while Self.isWhite(peek()) { index += 1 }
        if peek() == Byte.hash, index == 0 || Self.isWhiteOrEnd(bytes[index - 1]) {
            while !Self.isEnd(peek()) { index += 1 }
        }
    }

    /// Past white space, comments and line breaks to the next content (or the end).
    private mutating func skipToContent() {
        while true {
            skipInLine()
            guard peek() == Byte.lf else { return }
            index += 1
        }
    }

    /// The indentation of the line whose first content is at `index`: its
    /// leading spaces; a tab among them is an error (§6.1: YAML indents with
    /// spaces only).
    private func indentation() throws(Problem) -> Int {
        let start = lineStart(index)
        if let tab = bytes[start..<index].firstIndex(of: Byte.tab) {
            throw problem("a tab character in the indentation (YAML indents with spaces)", at: tab)
        }
        return index - start
    }

    /// Only white space and a comment may follow a value on its line.
    private mutating func expectLineEnd() throws(Problem) {
        skipInLine()
        let byte = peek()
        guard !Self.isEnd(byte) else { return }
        if byte == Byte.colon { throw problem("mapping values are not allowed here (quote a value that contains ': ')") }
        throw problem("unexpected '\(String(decoding: [byte], as: UTF8.self))' after the value")
    }

    private mutating func enter() throws(Problem) {
        depth += 1
        guard depth <= maxDepth else { throw problem("nested deeper than \(maxDepth) levels") }
    }

    // MARK: Document (§9.1)

    private mutating func document() throws(Problem) -> YAMLNode {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipToContent()
        if peek() == UInt8(ascii: "%"), index == lineStart(index) {
            throw problem("directives (%YAML, %TAG) are not supported")
        }
        if isDocumentMarker(index), peek() == Byte.dash {
            index += 3
        }
        skipToContent()
        let root: YAMLNode
        if index >= bytes.count || isDocumentMarker(index) {
            root = null(at: index)
        } else {
            if bytes[lineStart(index)..<index].allSatisfy(Self.isWhite) { _ = try indentation() }
            root = try blockNode(parent: -1)
        }
        skipToContent()
        while isDocumentMarker(index), peek() == Byte.dot {
            index += 3
            skipToContent()
        }
        guard index >= bytes.count else {
            if isDocumentMarker(index) || peek() == UInt8(ascii: "%") {
                throw problem("a second document: one file holds one document")
            }
            throw problem("expected the end of the document")
        }
        return root
    }

    // MARK: Block nodes (§8)

    /// The node that starts at `index` (its first content), inside a block
    /// collection indented `parent` (-1 for the root). Returns at the end of
    /// the node's last line.
    private mutating func blockNode(parent: Int) throws(Problem) -> YAMLNode {
        let column = index - lineStart(index)
        let node: YAMLNode
        switch (peek(), Self.isWhiteOrEnd(peek(1))) {
        case (Byte.dash, true):
            node = try blockSequence(column: column)
        case (Byte.question, true):
            throw problem("complex keys ('? ') are not supported")
        case (Byte.colon, true):
            throw problem("a mapping value needs a key")
        case (Byte.pipe, _), (Byte.greater, _):
            node = try blockScalar(parent: parent)
        default:
            node = try flowNodeOrMapping(parent: parent, column: column)
        }
        try expectLineEnd()
        return node
    }

    /// A scalar or flow collection, or the first key of a block mapping
    /// that starts here.
    private mutating func flowNodeOrMapping(parent: Int, column: Int) throws(Problem) -> YAMLNode {
        let start = index
        switch peek() {
        case Byte.openBracket, Byte.openBrace:
            let collection = try flowCollection()
            while Self.isWhite(peek()) { index += 1 }
            if peek() == Byte.colon { throw problem("complex keys (a collection as a key) are not supported", at: start) }
            return collection
        case Byte.quote, Byte.doubleQuote:
            let (quoted, multiLine) = try quotedScalar()
            let end = index
            while Self.isWhite(peek()) { index += 1 }
            if peek() == Byte.colon, Self.isWhiteOrEnd(peek(1)) {
                guard !multiLine else { throw problem("a key must be on one line", at: start) }
                return try blockMapping(column: column, firstKey: quoted, at: start)
            }
            index = end
            return node(quoted)
        default:
            try refuseIndicator(flow: false)
            let (text, endsAtColon) = plainLine(flow: false)
            if endsAtColon {
                return try blockMapping(column: column, firstKey: scalar(text, .plain, at: start), at: start)
            }
            return node(scalar(plainContinued(text, parent: parent, flow: false), .plain, at: start))
        }
    }

    /// What cannot start a plain scalar (§7.3.3) and is not read here.
    private func refuseIndicator(flow: Bool) throws(Problem) {
        let byte = peek()
        switch byte {
        case UInt8(ascii: "&"): throw problem("anchors (&name) are not supported: write the value out")
        case UInt8(ascii: "*"): throw problem("aliases (*name) are not supported: write the value out")
        case UInt8(ascii: "!"): throw problem("tags (!name, !!type) are not supported: write the value without a tag")
        case UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"):
            throw problem("'\(String(decoding: [byte], as: UTF8.self))' cannot start a plain scalar: quote the value")
        case Byte.pipe where flow, Byte.greater where flow:
            throw problem("block scalars (| and >) are not allowed inside [ ] or { }")
        case Byte.comma, Byte.openBracket, Byte.closeBracket, Byte.openBrace, Byte.closeBrace, Byte.hash:
            throw problem("unexpected '\(String(decoding: [byte], as: UTF8.self))'")
        case Byte.dash, Byte.question, Byte.colon:
            let next = peek(1)
            if Self.isWhiteOrEnd(next) || (flow && Self.isFlowIndicator(next)) {
                if byte == Byte.question { throw problem("complex keys ('? ') are not supported") }
                if byte == Byte.colon { throw problem("a mapping value needs a key") }
                throw problem("'- ' entries are not allowed inside [ ] or { }")
            }
        default:
            return
        }
    }

    private mutating func blockMapping(column: Int, firstKey: YAMLScalar, at start: Int) throws(Problem) -> YAMLNode {
        try enter()
        defer { depth -= 1 }
        let position = (line: firstKey.line, column: firstKey.column)
        var members: [YAMLMember] = []
        var seen: Set<String> = []
        var key = firstKey
        var keyOffset = start
        while true {
            try checkKey(key, seen: &seen, at: keyOffset)
            index += 1 // the ':'
            path.append(key.text)
            let value = try blockMappingValue(column: column)
            path.removeLast()
            members.append(YAMLMember(key: key, value: value))
            let end = index
            skipToContent()
            guard index < bytes.count, !isDocumentMarker(index) else {
                index = end
                break
            }
            let indent = try indentation()
            if indent < column {
                index = end
                break
            }
            if indent > column {
                throw problem("bad indentation: expected a key at column \(column + 1), as the keys before")
            }
            keyOffset = index
            key = try implicitKey()
        }
        return YAMLNode(.mapping(members), line: position.line, column: position.column)
    }

    private func checkKey(_ key: YAMLScalar, seen: inout Set<String>, at offset: Int) throws(Problem) {
        if key.style == .plain, key.text == "<<" { throw problem("merge keys (<<) are not supported", at: offset) }
        guard seen.insert(key.text).inserted else {
            let shown = key.text.unicodeScalars.count <= 40 ? key.text : String(String.UnicodeScalarView(key.text.unicodeScalars.prefix(40))) + "…"
            throw problem("duplicate key \(JSONValue.string(shown).text)", at: offset)
        }
    }

    /// A key of a block mapping after its first (on a line of its own, at
    /// the mapping's column): a one-line plain or quoted scalar and `:`.
    private mutating func implicitKey() throws(Problem) -> YAMLScalar {
        let start = index
        switch (peek(), Self.isWhiteOrEnd(peek(1))) {
        case (Byte.dash, true): throw problem("expected a mapping key, found a sequence entry ('- ')")
        case (Byte.question, true): throw problem("complex keys ('? ') are not supported")
        case (Byte.colon, true): throw problem("a mapping value needs a key")
        case (Byte.openBracket, _), (Byte.openBrace, _): throw problem("complex keys (a collection as a key) are not supported")
        case (Byte.quote, _), (Byte.doubleQuote, _):
            let (key, multiLine) = try quotedScalar()
            guard !multiLine else { throw problem("a key must be on one line", at: start) }
            while Self.isWhite(peek()) { index += 1 }
            guard peek() == Byte.colon, Self.isWhiteOrEnd(peek(1)) else { throw problem("expected ':' after the key") }
            return key
        default:
            try refuseIndicator(flow: false)
            let (text, endsAtColon) = plainLine(flow: false)
            guard endsAtColon else { throw problem("expected a mapping key ('key: value')", at: start) }
            return scalar(text, .plain, at: start)
        }
    }

    /// After a key's `:`: a value on the same line, or a block node on the
    /// lines below (indented more, or a sequence at the key's column), or null.
    private mutating func blockMappingValue(column: Int) throws(Problem) -> YAMLNode {
        while Self.isWhite(peek()) { index += 1 }
        let start = index
        if peek() == Byte.hash || Self.isEnd(peek()) {
            skipInLine()
            let end = index
            skipToContent()
            if index < bytes.count, !isDocumentMarker(index) {
                let indent = try indentation()
                if indent > column { return try blockNode(parent: column) }
                if indent == column, peek() == Byte.dash, Self.isWhiteOrEnd(peek(1)) {
                    return try blockNode(parent: column)
                }
            }
            index = end
            return null(at: start)
        }
        switch (peek(), Self.isWhiteOrEnd(peek(1))) {
        case (Byte.dash, true):
            throw problem("a sequence cannot start on the line of its key: put its '- ' entries on the lines below")
        case (Byte.question, true):
            throw problem("complex keys ('? ') are not supported")
        case (Byte.pipe, _), (Byte.greater, _):
            return try blockScalar(parent: column)
        case (Byte.openBracket, _), (Byte.openBrace, _):
            let collection = try flowCollection()
            try expectLineEnd()
            return collection
        case (Byte.quote, _), (Byte.doubleQuote, _):
            let (quoted, _) = try quotedScalar()
            try expectLineEnd()
            return node(quoted)
        default:
            try refuseIndicator(flow: false)
            let (text, endsAtColon) = plainLine(flow: false)
            if endsAtColon { throw problem("mapping values are not allowed here (quote a value that contains ': ')") }
            let value = node(scalar(plainContinued(text, parent: column, flow: false), .plain, at: start))
            try expectLineEnd()
            return value
        }
    }

    private mutating func blockSequence(column: Int) throws(Problem) -> YAMLNode {
        try enter()
        defer { depth -= 1 }
        let position = locate(index)
        var entries: [YAMLNode] = []
        while true {
            index += 1 // the '-'
            path.append("[\(entries.count)]")
            entries.append(try sequenceEntry(column: column))
            path.removeLast()
            let end = index
            skipToContent()
            guard index < bytes.count, !isDocumentMarker(index) else {
                index = end
                break
            }
            let indent = try indentation()
            if indent > column {
                throw problem("bad indentation: expected '- ' at column \(column + 1), as the entries before")
            }
            guard indent == column, peek() == Byte.dash, Self.isWhiteOrEnd(peek(1)) else {
                index = end
                break
            }
        }
        return YAMLNode(.sequence(entries), line: position.line, column: position.column)
    }

    /// After `-`: a node on the same line (a compact mapping or sequence
    /// included), or a block node on the lines below, or null.
    private mutating func sequenceEntry(column: Int) throws(Problem) -> YAMLNode {
        while Self.isWhite(peek()) { index += 1 }
        let start = index
        guard peek() == Byte.hash || Self.isEnd(peek()) else { return try blockNode(parent: column) }
        skipInLine()
        let end = index
        skipToContent()
        if index < bytes.count, !isDocumentMarker(index), try indentation() > column {
            return try blockNode(parent: column)
        }
        index = end
        return null(at: start)
    }

    // MARK: Block scalars (§8.1)

    private enum Chomping { case strip, clip, keep }

    private mutating func blockScalar(parent: Int) throws(Problem) -> YAMLNode {
        let start = index
        let folded = peek() == Byte.greater
        index += 1
        var indicator: Int?
        var chomping: Chomping?
        for _ in 0..<2 {
            let byte = peek()
            if indicator == nil, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(byte) {
                indicator = Int(byte - UInt8(ascii: "0"))
            } else if chomping == nil, byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                chomping = byte == UInt8(ascii: "+") ? .keep : .strip
            } else {
                break
            }
            index += 1
        }
        guard Self.isWhiteOrEnd(peek()) else {
            throw problem("expected an indentation indicator (1-9), a chomping indicator (+ or -), a comment or the end of the line after '\(folded ? ">" : "|")'")
        }
        skipInLine()
        guard Self.isEnd(peek()) else { throw problem("only a comment may follow a block scalar's header") }

        enum Line { case empty, text(Range<Int>) }
        var lines: [Line] = []
        var contentIndent = indicator.map { parent + $0 }
        var leadingSpaces = 0
        var leadingSpacesAt = index
        var lastEndsWithBreak = false
        var position = index // the line break before the next line, or the end
        while position < bytes.count {
            let lineStart = position + 1
            var k = lineStart
            while k < bytes.count, bytes[k] == Byte.space { k += 1 }
            let spaces = k - lineStart
            let isBlank = k >= bytes.count || bytes[k] == Byte.lf
            if isBlank, k >= bytes.count { break } // spaces and no line break: not a line of the scalar
            if contentIndent == nil {
                if isBlank {
                    if spaces > leadingSpaces { (leadingSpaces, leadingSpacesAt) = (spaces, lineStart) }
                    lines.append(.empty)
                    position = k
                    continue
                }
                if spaces <= parent || isDocumentMarker(lineStart) { break }
                guard leadingSpaces <= spaces else {
                    throw problem("a leading empty line of a block scalar has more spaces than its first line", at: leadingSpacesAt)
                }
                contentIndent = spaces
            }
            let indent = contentIndent ?? 0
            if isBlank, spaces <= indent {
                lines.append(.empty)
                position = k
                continue
            }
            if spaces < indent || (indent == 0 && isDocumentMarker(lineStart)) { break }
            var end = lineStart + indent
            while end < bytes.count, bytes[end] != Byte.lf { end += 1 }
            lines.append(.text((lineStart + indent)..<end))
            lastEndsWithBreak = end < bytes.count
            position = end
        }
        index = position

        // The content, then the trailing line breaks as chomping says (§8.1.1.2).
        let lastText = lines.lastIndex { if case .text = $0 { return true } else { return false } }
        var out: [UInt8] = []
        var previous: Range<Int>?
        var empties = 0
        for line in lines[..<((lastText ?? -1) + 1)] {
            guard case .text(let range) = line else {
                empties += 1
                continue
            }
            if let previous {
                let foldable = folded && !range.isEmpty && !previous.isEmpty
                    && !Self.isWhite(bytes[range.lowerBound]) && !Self.isWhite(bytes[previous.lowerBound])
                if foldable {
                    out += empties == 0 ? [Byte.space] : Array(repeating: Byte.lf, count: empties)
                } else {
                    out += Array(repeating: Byte.lf, count: empties + 1)
                }
            } else {
                out += Array(repeating: Byte.lf, count: empties)
            }
            out += bytes[range]
            previous = range
            empties = 0
        }
        let trailing = lines.count - ((lastText ?? -1) + 1)
        switch chomping ?? .clip {
        case .strip:
            break
        case .clip:
            if lastText != nil, lastEndsWithBreak { out.append(Byte.lf) }
        case .keep:
            out += Array(repeating: Byte.lf, count: (lastText != nil && lastEndsWithBreak ? 1 : 0) + trailing)
        }
        return node(scalar(String(decoding: out, as: UTF8.self), folded ? .folded : .literal, at: start))
    }

    // MARK: Plain scalars (§7.3.3)

    /// The plain scalar's text on this line: up to a comment, the line's end,
    /// or a `:` followed by white space (then `endsAtColon`, at the `:`); in
    /// flow context also up to a flow indicator. Trailing white space is not
    /// part of the text.
    private mutating func plainLine(flow: Bool) -> (String, endsAtColon: Bool) {
        let start = index
        var end = index
        var endsAtColon = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Byte.lf { break }
            if byte == Byte.colon, Self.isWhiteOrEnd(peek(1)) || (flow && Self.isFlowIndicator(peek(1))) {
                endsAtColon = true
                break
            }
            if flow, Self.isFlowIndicator(byte) { break }
            if Self.isWhite(byte) {
                var k = index
                while k < bytes.count, Self.isWhite(bytes[k]) { k += 1 }
                if k < bytes.count, bytes[k] == Byte.hash { break }
                index = k
                continue
            }
            index += 1
            end = index
        }
        return (String(decoding: bytes[start..<end], as: UTF8.self), endsAtColon)
    }

    /// `first` and the lines that continue it: indented more than `parent`,
    /// not a comment or a document marker (in flow context, not starting
    /// with a flow indicator). One line break folds to a space, each empty
    /// line is a line feed (§6.5).
    private mutating func plainContinued(_ first: String, parent: Int, flow: Bool) -> String {
        var text = first
        while true {
            let end = index
            while Self.isWhite(peek()) { index += 1 }
            guard peek() == Byte.lf else {
                index = end
                return text
            }
            var breaks = 0
            var lineStart = index + 1
            var k = lineStart
            while true {
                while k < bytes.count, Self.isWhite(bytes[k]) { k += 1 }
                guard k < bytes.count, bytes[k] == Byte.lf else { break }
                breaks += 1
                k += 1
                lineStart = k
            }
            var spaces = 0
            while lineStart + spaces < bytes.count, bytes[lineStart + spaces] == Byte.space { spaces += 1 }
            guard k < bytes.count, bytes[k] != Byte.hash, !isDocumentMarker(lineStart), flow || spaces > parent,
                  !(flow && (Self.isFlowIndicator(bytes[k]) || bytes[k] == Byte.colon)) else {
                index = end
                return text
            }
            index = k
            let (more, endsAtColon) = plainLine(flow: flow)
            text += (breaks == 0 ? " " : String(repeating: "\n", count: breaks)) + more
            if endsAtColon { return text }
        }
    }

    // MARK: Quoted scalars (§7.3.1, §7.3.2)

    /// A single- or double-quoted scalar starting at `index`; whether it
    /// spans lines (a key may not).
    private mutating func quotedScalar() throws(Problem) -> (YAMLScalar, multiLine: Bool) {
        let start = index
        let quote = peek()
        let double = quote == Byte.doubleQuote
        index += 1
        var out: [UInt8] = []
        // `out` up to the last byte that is not raw white space: white space
        // before a line break is not content (§6.5), an escaped one is.
        var kept = 0
        var multiLine = false
        while true {
            guard index < bytes.count else {
                throw problem("unterminated \(double ? "double" : "single")-quoted scalar", at: start)
            }
            let byte = bytes[index]
            if byte == quote {
                if !double, peek(1) == Byte.quote {
                    out.append(Byte.quote)
                    index += 2
                    kept = out.count
                    continue
                }
                index += 1
                break
            }
            if byte == Byte.lf || (double && byte == Byte.backslash && peek(1) == Byte.lf) {
                let escaped = byte == Byte.backslash
                if !escaped { out.removeSubrange(kept...) }
                index += escaped ? 2 : 1
                multiLine = true
                var breaks = 0
                while true {
                    let lineStart = index
                    while Self.isWhite(peek()) { index += 1 }
                    if isDocumentMarker(lineStart) { throw problem("a document marker inside a quoted scalar", at: lineStart) }
                    guard peek() == Byte.lf else { break }
                    breaks += 1
                    index += 1
                }
                if breaks > 0 {
                    out += Array(repeating: Byte.lf, count: breaks)
                } else if !escaped {
                    out.append(Byte.space)
                }
                kept = out.count
                continue
            }
            if double, byte == Byte.backslash {
                try escape(into: &out)
                kept = out.count
                continue
            }
            out.append(byte)
            index += 1
            if !Self.isWhite(byte) { kept = out.count }
        }
        return (scalar(String(decoding: out, as: UTF8.self), double ? .doubleQuoted : .singleQuoted, at: start), multiLine)
    }

    /// One escape sequence of a double-quoted scalar (§5.7), at its `\`.
    private mutating func escape(into out: inout [UInt8]) throws(Problem) {
        let start = index
        let code = peek(1)
        index += 2
        let simple: [UInt8: UInt32] = [
            UInt8(ascii: "0"): 0x00, UInt8(ascii: "a"): 0x07, UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, Byte.tab: 0x09,
            UInt8(ascii: "n"): 0x0A, UInt8(ascii: "v"): 0x0B, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "r"): 0x0D,
            UInt8(ascii: "e"): 0x1B, Byte.space: 0x20, Byte.doubleQuote: 0x22, UInt8(ascii: "/"): 0x2F, Byte.backslash: 0x5C,
            UInt8(ascii: "N"): 0x85, UInt8(ascii: "_"): 0xA0, UInt8(ascii: "L"): 0x2028, UInt8(ascii: "P"): 0x2029,
        ]
        var value: UInt32
        if let known = simple[code] {
            value = known
        } else {
            let digits: Int
            switch code {
            case UInt8(ascii: "x"): digits = 2
            case UInt8(ascii: "u"): digits = 4
            case UInt8(ascii: "U"): digits = 8
            default:
                let shown = code == 0 ? "" : String(decoding: [code], as: UTF8.self)
                throw problem("unknown escape '\\\(shown)' in a double-quoted scalar", at: start)
            }
            guard index + digits <= bytes.count,
                  let hex = UInt32(String(decoding: bytes[index..<(index + digits)], as: UTF8.self), radix: 16),
                  bytes[index..<(index + digits)].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }) else {
                throw problem("expected \(digits) hexadecimal digits after '\\\(String(decoding: [code], as: UTF8.self))'", at: start)
            }
            value = hex
            index += digits
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw problem("escape '\(String(decoding: bytes[start..<index], as: UTF8.self))' is not a Unicode character", at: start)
        }
        out += Array(String(Character(scalar)).utf8)
    }

    // MARK: Flow collections (§7.4)

    /// Past white space, comments and line breaks inside `[ ]` or `{ }`.
    private mutating func skipFlowSpace() throws(Problem) {
        while true {
            skipInLine()
            guard peek() == Byte.lf else { return }
            index += 1
            if isDocumentMarker(index) { throw problem("a document marker inside a flow collection") }
        }
    }

    private mutating func flowCollection() throws(Problem) -> YAMLNode {
        try enter()
        defer { depth -= 1 }
        let start = index
        let position = locate(start)
        let isMapping = peek() == Byte.openBrace
        let closer = isMapping ? Byte.closeBrace : Byte.closeBracket
        let name = isMapping ? "'}'" : "']'"
        index += 1
        var entries: [YAMLNode] = []
        var members: [YAMLMember] = []
        var seen: Set<String> = []
        while true {
            try skipFlowSpace()
            guard index < bytes.count else { throw problem("unterminated flow collection: expected \(name)", at: start) }
            if peek() == closer {
                index += 1
                break
            }
            let entryStart = index
            let isQuoted = peek() == Byte.quote || peek() == Byte.doubleQuote
            if isMapping {
                if peek() == Byte.openBracket || peek() == Byte.openBrace {
                    throw problem("complex keys (a collection as a key) are not supported")
                }
                guard let key = try flowNode().scalar else { throw problem("expected a key", at: entryStart) }
                try checkKey(key, seen: &seen, at: entryStart)
                path.append(key.text)
                members.append(YAMLMember(key: key, value: try flowValue(closer: closer)))
                path.removeLast()
            } else {
                path.append("[\(entries.count)]")
                let entry = try flowNode()
                try skipFlowSpace()
                if peek() == Byte.colon, isQuoted || Self.isWhiteOrEnd(peek(1)) || Self.isFlowIndicator(peek(1)) {
                    // A single pair, `[key: value]` (§7.4.1).
                    guard let key = entry.scalar else { throw problem("complex keys (a collection as a key) are not supported", at: entryStart) }
                    try enter()
                    var none: Set<String> = []
                    try checkKey(key, seen: &none, at: entryStart)
                    let value = try flowValue(closer: closer)
                    depth -= 1
                    entries.append(YAMLNode(.mapping([YAMLMember(key: key, value: value)]), line: key.line, column: key.column))
                } else {
                    entries.append(entry)
                }
                path.removeLast()
            }
            try skipFlowSpace()
            if peek() == Byte.comma {
                index += 1
                continue
            }
            guard peek() == closer else {
                throw problem(index < bytes.count ? "expected ',' or \(name)" : "unterminated flow collection: expected \(name)",
                              at: index < bytes.count ? index : start)
            }
            index += 1
            break
        }
        return YAMLNode(isMapping ? .mapping(members) : .sequence(entries), line: position.line, column: position.column)
    }

    /// After a flow key: `: value`, `:` alone, or nothing (each of the last two is null).
    private mutating func flowValue(closer: UInt8) throws(Problem) -> YAMLNode {
        try skipFlowSpace()
        guard peek() == Byte.colon else { return null(at: index) }
        index += 1
        try skipFlowSpace()
        if peek() == Byte.comma || peek() == closer { return null(at: index) }
        return try flowNode()
    }

    private mutating func flowNode() throws(Problem) -> YAMLNode {
        let start = index
        switch peek() {
        case Byte.openBracket, Byte.openBrace:
            return try flowCollection()
        case Byte.quote, Byte.doubleQuote:
            return node(try quotedScalar().0)
        default:
            try refuseIndicator(flow: true)
            let (text, _) = plainLine(flow: true)
            return node(scalar(plainContinued(text, parent: -1, flow: true), .plain, at: start))
        }
    }
}
