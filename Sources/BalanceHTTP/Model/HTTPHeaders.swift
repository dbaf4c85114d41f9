/// One header field: its name as sent and its value.
package struct HTTPField: Sendable, Equatable {
    package var name: String
    package var value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The header section of a request or a response, in either direction:
/// fields in order, names as sent. Names compare case-insensitively (RFC
/// 9110 §5.1) byte by byte, so a lookup allocates nothing.
package struct HTTPHeaders: Sendable, Equatable, RandomAccessCollection, MutableCollection, ExpressibleByArrayLiteral,
                            ExpressibleByDictionaryLiteral {
    package private(set) var fields: [HTTPField]

    package init(_ fields: [HTTPField] = []) {
        self.fields = fields
    }

    package init(_ pairs: [(String, String)]) {
        self.fields = pairs.map { HTTPField($0.0, $0.1) }
    }

    package init(arrayLiteral pairs: (String, String)...) {
        self.init(pairs)
    }

    /// `["Retry-After": "5"]`: the fields in the order written.
    package init(dictionaryLiteral pairs: (String, String)...) {
        self.init(pairs)
    }

    package var startIndex: Int { fields.startIndex }
    package var endIndex: Int { fields.endIndex }
    package subscript(position: Int) -> HTTPField {
        get { fields[position] }
        set { fields[position] = newValue }
    }

    /// The first value of the field `name`, if any. Setting it replaces
    /// every field of that name with one (`replace`); nil removes them.
    package subscript(name: String) -> String? {
        get { fields.first(where: { Self.sameName($0.name, name) })?.value }
        set {
            guard let newValue else { return remove(name) }
            replace(name, with: newValue)
        }
    }

    /// Every value of the field `name`, in order.
    package func values(_ name: String) -> [String] {
        fields.compactMap { Self.sameName($0.name, name) ? $0.value : nil }
    }

    /// The values of `name` as one comma-separated list, as repeated fields
    /// combine (RFC 9110 §5.3); nil when the field is absent.
    /// One field, the usual case, is its value as stored: nothing is copied.
    package func combined(_ name: String) -> String? {
        var combined: String?
        for field in fields where Self.sameName(field.name, name) {
            combined = combined.map { $0 + ", " + field.value } ?? field.value
        }
        return combined
    }

    package func contains(_ name: String) -> Bool {
        fields.contains(where: { Self.sameName($0.name, name) })
    }

    /// How many fields are named `name`.
    package func count(of name: String) -> Int {
        fields.count(where: { Self.sameName($0.name, name) })
    }

    package mutating func append(_ name: String, _ value: String) {
        fields.append(HTTPField(name, value))
    }

    package mutating func insert(_ name: String, _ value: String, at index: Int) {
        fields.insert(HTTPField(name, value), at: index)
    }

    /// Removes every field named `name`.
    package mutating func remove(_ name: String) {
        fields.removeAll(where: { Self.sameName($0.name, name) })
    }

    /// Gives the first field named `name` the value `value` (the others go),
    /// or appends it.
    package mutating func replace(_ name: String, with value: String) {
        guard let first = fields.firstIndex(where: { Self.sameName($0.name, name) }) else { return append(name, value) }
        fields[first].value = value
        fields = fields.enumerated().filter { $0.offset == first || !Self.sameName($0.element.name, name) }.map(\.element)
    }

    /// `lhs`'s fields followed by `rhs`'s.
    package static func + (lhs: HTTPHeaders, rhs: HTTPHeaders) -> HTTPHeaders {
        HTTPHeaders(lhs.fields + rhs.fields)
    }

    /// ASCII case-insensitive equality of two field names, without allocating.
    /// Names of different lengths (most of them) differ without a byte read.
    package static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8) { lower($0) == lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
