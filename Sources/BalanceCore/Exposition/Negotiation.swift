import BalanceHTTP
import BalanceSupport

/// Content negotiation for the metrics endpoint: which exposition format to
/// send (from `Accept`) and whether gzip is allowed (from `Accept-Encoding`).
/// Pure parsers: header text in, decision out. Malformed parts of a header
/// are ignored, never an error; we never answer 406 because 0.0.4 is always
/// acceptable to Prometheus (exposition_formats).
package enum ExpositionFormat: Sendable, Equatable {
    /// Prometheus text format 0.0.4.
    case text004
    /// OpenMetrics 1.0.0.
    case openMetrics100

    /// The `Content-Type` to send with a body of this format. Prometheus 3
    /// fails a scrape whose Content-Type is missing or unknown.
    package var contentType: String {
        switch self {
        case .text004: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics100: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Appends the exposition of `families` in this format to `buffer`.
    package func render(_ families: [MetricFamily], into buffer: inout [UInt8], terminate: Bool = true) {
        switch self {
        case .text004: TextFormatWriter.render(families, into: &buffer)
        case .openMetrics100: OpenMetricsWriter.render(families, into: &buffer, terminate: terminate)
        }
    }

    /// Chooses the format for an `Accept` header value (pass several header
    /// lines joined with `,`).
    ///
    /// Rules (RFC 9110 §12.5.1, as client_golang's negotiation applies them):
    /// - Each format's quality is the q of the most specific range matching
    ///   it; `q=0` means refused. OpenMetrics matches only
    ///   `application/openmetrics-text` with `version=1.0.0` or no version
    ///   (we do not speak 0.0.1); wildcards (`*/*`, `application/*`) never
    ///   select it. Text matches `text/plain` with `version=0.0.4` or no
    ///   version, `text/*` and `*/*`.
    /// - OpenMetrics is chosen when its quality is above 0 and higher than
    ///   the text format's. At equal quality it wins over a wildcard match
    ///   (more specific) and, against an explicit `text/plain`, the one
    ///   listed first wins.
    /// - Otherwise, including no header, `*/*`, garbage, or everything
    ///   refused, the answer is 0.0.4.
    package static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text004 }
        var text: Match?
        var openMetrics: Match?
        for (position, range) in MediaRange.parseList(accept).enumerated() {
            if let specificity = range.specificityForText004 {
                text = Match.better(text, Match(q: range.q, specificity: specificity, position: position))
            }
            if let specificity = range.specificityForOpenMetrics100 {
                openMetrics = Match.better(openMetrics, Match(q: range.q, specificity: specificity, position: position))
            }
        }
        guard let om = openMetrics, om.q > 0 else { return .text004 }
        guard let text, text.q > 0 else { return .openMetrics100 }
        if om.q != text.q { return om.q > text.q ? .openMetrics100 : .text004 }
        if text.specificity < MediaRange.explicitType { return .openMetrics100 }
        return om.position < text.position ? .openMetrics100 : .text004
    }

    /// Whether an `Accept-Encoding` value allows gzip: `gzip` (or `x-gzip`)
    /// with q > 0, or, when gzip is not named, `*` with q > 0. No header
    /// means identity only (RFC 9110 §12.5.3 allows any coding then, but
    /// compressing for a client that did not ask is needless risk).
    package static func acceptsGzip(acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        var gzipQ: Double?
        var wildcardQ: Double?
        for part in acceptEncoding.split(separator: ",") {
            let fields = part.split(separator: ";", omittingEmptySubsequences: false)
            let coding = MediaRange.trimmed(fields[0]).lowercased()
            guard !coding.isEmpty, let q = MediaRange.quality(fields.dropFirst()) else { continue }
            switch coding {
            case "gzip", "x-gzip": gzipQ = gzipQ ?? q
            case "*": wildcardQ = wildcardQ ?? q
            default: continue
            }
        }
        if let gzipQ { return gzipQ > 0 }
        return (wildcardQ ?? 0) > 0
    }

    private struct Match {
        var q: Double
        var specificity: Int
        var position: Int

        /// The more specific match wins (RFC 9110: the most specific range
        /// decides); at equal specificity, the first listed.
        static func better(_ current: Match?, _ candidate: Match) -> Match {
            guard let current else { return candidate }
            return candidate.specificity > current.specificity ? candidate : current
        }
    }
}

/// What a scrape's headers negotiate: the body's format and whether it may
/// be gzip-compressed.
package struct Negotiated: Sendable, Equatable {
    package var format: ExpositionFormat
    package var gzip: Bool

    package init(format: ExpositionFormat, gzip: Bool) {
        self.format = format
        self.gzip = gzip
    }

    /// `ExpositionFormat.negotiate(accept:)` and `acceptsGzip(acceptEncoding:)`.
    package init(accept: String?, acceptEncoding: String?) {
        self.init(format: ExpositionFormat.negotiate(accept: accept),
                  gzip: ExpositionFormat.acceptsGzip(acceptEncoding: acceptEncoding))
    }
}

/// The negotiation of each distinct `Accept` / `Accept-Encoding` pair,
/// computed once: a Prometheus server sends the same two values on every
/// scrape, and parsing its `Accept` list cost more than serving the cached
/// body. At most `capacity` pairs are kept; a new pair beyond them empties
/// the cache first, so a client sending ever new values costs what parsing
/// costs and no memory.
package final class NegotiationCache: Sendable {
    package static let capacity = 64

    private struct Key: Hashable {
        var accept: String?
        var acceptEncoding: String?
    }

    private let entries = ReadWriteLock<[Key: Negotiated]>([:])

    package init() {}

    package func negotiate(accept: String?, acceptEncoding: String?) -> Negotiated {
        let key = Key(accept: accept, acceptEncoding: acceptEncoding)
        if let known = entries.read({ $0[key] }) { return known }
        let negotiated = Negotiated(accept: accept, acceptEncoding: acceptEncoding)
        entries.write { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = negotiated
        }
        return negotiated
    }

    /// The pairs kept now.
    package var count: Int { entries.read { $0.count } }
}
