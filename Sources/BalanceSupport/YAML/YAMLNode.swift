/// One YAML document read by our own reader (`YAMLDocument.parse`): a tree of
/// mappings, sequences and scalars, each node with the line and column it
/// starts at (1-based; columns count Unicode scalars, as `JSONError` does).
///
/// Scalars are kept as written, untyped: their text (quotes removed, escapes
/// and folding applied) and their style. The reader of the tree decides the
/// type from what the key expects, so `uin: 123` read as a string is "123"
/// and `mode: 0640` is "0640", while `jsonValue` resolves plain scalars by the
/// YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#103-core-schema).
package struct YAMLNode: Sendable, Equatable {
    package enum Content: Sendable, Equatable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Members in the order written; keys are unique (a duplicate is a parse error).
        case mapping([YAMLMember])
    }

    package var content: Content
    package var line: Int
    package var column: Int

    package init(_ content: Content, line: Int, column: Int) {
        self.content = content
        self.line = line
        self.column = column
    }
}

/// A scalar as written: its text and its style.
package struct YAMLScalar: Sendable, Equatable {
    package enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted
        /// `|`
        case literal
        /// `>`
        case folded
    }

    package var text: String
    package var style: Style
    package var line: Int
    package var column: Int

    package init(_ text: String, style: Style, line: Int, column: Int) {
        self.text = text
        self.style = style
        self.line = line
        self.column = column
    }

    /// A plain `null`, `Null`, `NULL`, `~` or nothing at all (`key:`): the
    /// core schema's null. A quoted `"null"` is a string.
    package var isNull: Bool {
        style == .plain && YAMLCoreSchema.isNull(text)
    }
}

/// One `key: value` of a mapping. Keys are scalars: complex keys are refused.
package struct YAMLMember: Sendable, Equatable {
    package var key: YAMLScalar
    package var value: YAMLNode
}

/// Where and why a document is not YAML we read, or not what its reader
/// expects: `line 4, column 7: tls_server_config.cert_file: expected a string`.
/// `path` names the key (dotted, sequence entries as `[index]`) where known.
package struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var column: Int
    package var path: String
    package var message: String

    package init(line: Int, column: Int, path: String = "", message: String) {
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    package var description: String {
        "line \(line), column \(column): " + (path.isEmpty ? "" : path + ": ") + message
    }
}

/// The entry point: one document from bytes.
package enum YAMLDocument {
    /// Mappings and sequences nested deeper than this are an error, as in
    /// JSON (`JSONValue.maxDepth`): no configuration comes close, and the
    /// reader's recursion (a few small frames per level) stays shallow.
    package static let maxDepth = JSONValue.maxDepth

    /// The root node of the one document `bytes` hold (UTF-8). An empty
    /// document is a null scalar. What the reader does not take (anchors,
    /// aliases, tags, complex keys, directives, a second document) is an
    /// error naming it; so are duplicate keys. A size limit is the caller's.
    package static func parse(_ bytes: [UInt8]) throws(YAMLError) -> YAMLNode {
        try YAMLParser.parse(bytes, maxDepth: maxDepth)
    }
}

// MARK: Reading the tree

extension YAMLNode {
    package var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    package var sequence: [YAMLNode]? {
        if case .sequence(let nodes) = content { return nodes }
        return nil
    }

    package var mapping: [YAMLMember]? {
        if case .mapping(let members) = content { return members }
        return nil
    }

    /// The value of `key` in a mapping; nil for a missing key or a non-mapping.
    package subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.text == key }?.value
    }

    /// A core-schema null (plain `null`, `~`, or an empty value).
    package var isNull: Bool { scalar?.isNull ?? false }

    /// What kind of node this is, for "expected a string, got a mapping".
    package var kindName: String {
        switch content {
        case .scalar: return "a scalar"
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        }
    }

    /// An error at this node, naming `path`.
    package func error(_ path: String, _ message: String) -> YAMLError {
        YAMLError(line: line, column: column, path: path, message: message)
    }

    /// Any scalar read as its text, whatever the core schema would make of
    /// it (`123` is "123", `0640` is "0640", `yes` is "yes"); a null is "".
    package func string(_ path: String) throws(YAMLError) -> String {
        guard let scalar else { throw error(path, "expected a string, got \(kindName)") }
        return scalar.isNull ? "" : scalar.text
    }

    /// A plain `true`/`false` in a core-schema spelling; `yes`, `"true"` and `1` are not booleans.
    package func bool(_ path: String) throws(YAMLError) -> Bool {
        guard let scalar, scalar.style == .plain, let value = YAMLCoreSchema.bool(scalar.text) else {
            throw error(path, "expected a boolean (true or false), got " + (scalar.map { "\"\($0.text)\"" } ?? kindName))
        }
        return value
    }

    /// A sequence's entries; a null (`key:`) is an empty sequence.
    package func entries(_ path: String) throws(YAMLError) -> [YAMLNode] {
        if isNull { return [] }
        guard let sequence else { throw error(path, "expected a sequence, got \(kindName)") }
        return sequence
    }

    /// A mapping's members; a null (`key:`) is an empty mapping.
    package func members(_ path: String) throws(YAMLError) -> [YAMLMember] {
        if isNull { return [] }
        guard let mapping else { throw error(path, "expected a mapping, got \(kindName)") }
        return mapping
    }
}
