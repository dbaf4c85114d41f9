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
public enum TextFormatWriter {
    /// Appends the exposition of `families` to `buffer`.
    public static func render(_ families: [MetricFamily], into buffer: inout [UInt8]) {
        for family in ExpositionOrder.prepare(families) {
            let name = family.descriptor.name
            if !family.descriptor.help.isEmpty {
                buffer.append(contentsOf: "# HELP ".utf8)
                buffer.append(contentsOf: name.utf8)
                buffer.append(0x20)
                ExpositionBytes.appendEscaped(family.descriptor.help, escapeQuote: false, into: &buffer)
                buffer.append(ExpositionBytes.newline)
            }
            buffer.append(contentsOf: "# TYPE ".utf8)
            buffer.append(contentsOf: name.utf8)
            buffer.append(contentsOf: typeName(family.descriptor.type).utf8)
            for sample in family.samples {
                buffer.append(contentsOf: name.utf8)
                ExpositionBytes.appendLabels(sample.labels, into: &buffer)
                buffer.append(0x20)
                ExpositionBytes.appendValue(sample.value, into: &buffer)
                buffer.append(ExpositionBytes.newline)
            }
        }
    }

    /// Convenience for tests and small callers.
    public static func render(_ families: [MetricFamily]) -> [UInt8] {
        var buffer: [UInt8] = []
        render(families, into: &buffer)
        return buffer
    }

    private static func typeName(_ type: MetricType) -> String {
        switch type {
        case .gauge, .info: return " gauge\n"
        case .counter: return " counter\n"
        }
    }
}
