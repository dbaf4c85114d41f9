import BalanceSupport

/// Renders OpenMetrics 1.0.0
/// (`application/openmetrics-text; version=1.0.0; charset=utf-8`), which
/// Prometheus 2.x asks for first.
///
/// Contract: a pure function of its input, with the same family and series
/// order as `TextFormatWriter` (see `ExpositionOrder.prepare`). Differences
/// required by the OpenMetrics 1.0 specification:
/// - A counter family is named without `_total` (`# TYPE x counter`) and its
///   samples are `x_total`. Catalog counters end in `_total`; one that does
///   not keeps its name as the family and gets `_total` on its samples.
/// - An `.info` family is `# TYPE x info` with samples `x_info`; the
///   descriptor's `_info` suffix is stripped the same way.
/// - HELP escapes `\`, newline and `"`.
/// - No `# UNIT` (optional), no `_created` samples (we do not track
///   counter creation times), no timestamps, no blank lines.
/// - The body always ends with `# EOF\n`, even with no families: a body
///   without it is an invalid (truncated) exposition.
package enum OpenMetricsWriter {
    /// Appends the exposition of `families` to `buffer`, ending with `# EOF`
    /// unless `terminate` is false (a body assembled from several parts,
    /// whose last part adds it).
    package static func render(_ families: [MetricFamily], into buffer: inout [UInt8], terminate: Bool = true) {
        for family in ExpositionOrder.prepare(families) {
            let (familyName, sampleName, typeName) = names(family.descriptor)
            ExpositionBytes.appendFamily(family, familyName: familyName, sampleName: sampleName, typeName: typeName,
                                         helpEscapesQuote: true, into: &buffer)
        }
        if terminate { buffer.append(contentsOf: "# EOF\n".utf8) }
    }

    /// Convenience for tests and small callers.
    package static func render(_ families: [MetricFamily]) -> [UInt8] {
        var buffer: [UInt8] = []
        render(families, into: &buffer)
        return buffer
    }

    /// The family name (for HELP and TYPE), the sample name and the type.
    static func names(_ descriptor: MetricDescriptor) -> (family: String, sample: String, type: String) {
        switch descriptor.type {
        case .gauge:
            return (descriptor.name, descriptor.name, "gauge")
        case .counter:
            let family = strip("_total", from: descriptor.name)
            return (family, family + "_total", "counter")
        case .info:
            let family = strip("_info", from: descriptor.name)
            return (family, family + "_info", "info")
        }
    }

    private static func strip(_ suffix: String, from name: String) -> String {
        guard name.hasSuffix(suffix), name.utf8.count > suffix.utf8.count else { return name }
        return String(name.dropLast(suffix.count))
    }
}
