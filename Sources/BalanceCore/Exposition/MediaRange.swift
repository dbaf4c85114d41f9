import BalanceHTTP

/// One element of an `Accept` header, e.g.
/// `application/openmetrics-text;version=1.0.0;q=0.75`, parsed leniently:
/// elements that do not parse are skipped by `parseList`, never an error.
struct MediaRange: Equatable {
    /// Lowercased `type` and `subtype`; `*` for wildcards.
    var type: String
    var subtype: String
    /// The `version` parameter without quotes, if present.
    var version: String?
    /// 0...1; 1 when absent.
    var q: Double

    /// Specificity ranks: a version-qualified type beats a bare type, which
    /// beats `type/*`, which beats `*/*`.
    static let versionedType = 4
    static let explicitType = 3
    static let typeWildcard = 2
    static let fullWildcard = 1

    static func parseList(_ header: String) -> [MediaRange] {
        header.split(separator: ",").compactMap { parse($0) }
    }

    static func parse(_ element: Substring) -> MediaRange? {
        let fields = element.split(separator: ";", omittingEmptySubsequences: false)
        let mediaType = trimmed(fields[0]).lowercased()
        let parts = mediaType.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !(parts[0] == "*" && parts[1] != "*") else { return nil }
        guard let q = quality(fields.dropFirst()) else { return nil }
        var version: String?
        for field in fields.dropFirst() {
            guard let (name, value) = parameter(field), name == "version" else { continue }
            version = value
        }
        return MediaRange(type: String(parts[0]), subtype: String(parts[1]), version: version, q: q)
    }

    /// How specifically this range names text format 0.0.4, or nil if it
    /// does not match it.
    var specificityForText004: Int? {
        switch (type, subtype) {
        case ("text", "plain"):
            guard let version else { return Self.explicitType }
            return version == "0.0.4" ? Self.versionedType : nil
        case ("text", "*"): return Self.typeWildcard
        case ("*", "*"): return Self.fullWildcard
        default: return nil
        }
    }

    /// How specifically this range names OpenMetrics 1.0.0, or nil.
    /// Wildcards deliberately do not match: OpenMetrics is sent only to
    /// clients that name it.
    var specificityForOpenMetrics100: Int? {
        guard type == "application", subtype == "openmetrics-text" else { return nil }
        guard let version else { return Self.explicitType }
        return version == "1.0.0" ? Self.versionedType : nil
    }

    /// The `q` parameter among `parameters`: 1 when absent, nil when
    /// malformed (not a number in 0...1), which makes the element ignored.
    static func quality<S: Sequence>(_ parameters: S) -> Double? where S.Element == Substring {
        for field in parameters {
            guard let (name, value) = parameter(field), name == "q" else { continue }
            guard let q = Double(value), q >= 0, q <= 1 else { return nil }
            return q
        }
        return 1
    }

    /// `name=value` with the name lowercased and the value unquoted.
    static func parameter(_ field: Substring) -> (String, String)? {
        guard let equals = field.firstIndex(of: "=") else { return nil }
        let name = trimmed(field[..<equals]).lowercased()
        var value = trimmed(field[field.index(after: equals)...])
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = String(value.dropFirst().dropLast())
        }
        guard !name.isEmpty else { return nil }
        return (name, value)
    }

    static func trimmed(_ text: Substring) -> String {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
