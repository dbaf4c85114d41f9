import BalanceSupport

/// Renders the Prometheus text exposition format 0.0.4
/// (`text/plain; version=0.0.4; charset=utf-8`), the format every Prometheus
/// and promtool reads.
///
/// Contract: a pure function of its input. Families and series are ordered
/// and de-duplicated by `ExpositionOrder.prepare` (first of a duplicate
/// series wins; empty families are omitted). Per family: `# HELP` (escaping
/// only `\` and newline, as the format specifies), `# TYPE` (`info` families
/// are written as `gauge`: 0.0.4 has no info type), then one line per
/// series, `name{labels} value`, without timestamps (Prometheus drops
/// samples stamped too far in the past; staleness is exposed as
/// `*_timestamp_seconds` gauges instead). Every line ends with `\n`.
package enum TextFormatWriter {
    /// Appends the exposition of `families` to `buffer`.
    package static func render(_ families: [MetricFamily], into buffer: inout [UInt8]) {
        for family in ExpositionOrder.prepare(families) {
            let name = family.descriptor.name
            ExpositionBytes.appendFamily(family, familyName: name, sampleName: name, typeName: typeName(family.descriptor.type),
                                         helpEscapesQuote: false, into: &buffer)
        }
    }

    /// Convenience for tests and small callers.
    package static func render(_ families: [MetricFamily]) -> [UInt8] {
        var buffer: [UInt8] = []
        render(families, into: &buffer)
        return buffer
    }

    private static func typeName(_ type: MetricType) -> String {
        switch type {
        case .gauge, .info: return "gauge"
        case .counter: return "counter"
        }
    }
}
