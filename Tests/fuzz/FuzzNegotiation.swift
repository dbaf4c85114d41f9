/// `ExpositionFormat.negotiate(accept:)`: any scraper's `Accept` header.
/// Beyond not crashing: OpenMetrics is only ever chosen for a header that
/// names `application/openmetrics-text` (wildcards never select it).
@testable import BalanceCore

func fuzzAccept(_ bytes: [UInt8]) -> CInt {
    let header = String(decoding: bytes, as: UTF8.self)
    let format = ExpositionFormat.negotiate(accept: header)
    if format == .openMetrics100 {
        fuzzRequire(header.lowercased().contains("openmetrics-text"), "OpenMetrics chosen for \(header.debugDescription)")
    }
    // Adding a refusal of OpenMetrics in front must always give text 0.0.4.
    fuzzRequire(ExpositionFormat.negotiate(accept: "application/openmetrics-text;q=0," + header) == format
                    || format == .openMetrics100,
                "refusing OpenMetrics changed a text answer for \(header.debugDescription)")
    return 0
}

/// `ExpositionFormat.acceptsGzip(acceptEncoding:)`: gzip only for a header
/// that names gzip or `*`.
func fuzzAcceptEncoding(_ bytes: [UInt8]) -> CInt {
    let header = String(decoding: bytes, as: UTF8.self)
    if ExpositionFormat.acceptsGzip(acceptEncoding: header) {
        let lower = header.lowercased()
        fuzzRequire(lower.contains("gzip") || lower.contains("*"), "gzip accepted for \(header.debugDescription)")
    }
    return 0
}
