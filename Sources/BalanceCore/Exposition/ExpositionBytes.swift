import BalanceHTTP
import BalanceSupport

/// Byte-level building blocks shared by the text 0.0.4 and OpenMetrics
/// writers: escaping and number formatting, appended straight into the
/// response buffer (no per-line String building).
///
/// Escaping works on UTF-8 bytes. That is safe because no byte of a
/// multi-byte UTF-8 sequence is in the ASCII range, so the only bytes we
/// touch (`\`, `"`, newline) are always whole characters, and a valid Swift
/// String stays valid UTF-8 after escaping.
enum ExpositionBytes {
    static let backslash: UInt8 = 0x5C
    static let quote: UInt8 = 0x22
    static let newline: UInt8 = 0x0A

    /// Appends `text` with `\` -> `\\`, newline -> `\n` and, if
    /// `escapeQuote`, `"` -> `\"`. Label values escape all three in both
    /// formats; HELP escapes the quote only in OpenMetrics (0.0.4 HELP must
    /// not: promtool rejects `\"` there, see exposition_formats).
    /// One family in either format: HELP (if any), TYPE, then each sample
    /// as `sampleName{labels} value`. The formats differ only in the names,
    /// the type word and whether HELP escapes `"`.
    static func appendFamily(_ family: MetricFamily, familyName: String, sampleName: String, typeName: String,
                             helpEscapesQuote: Bool, into buffer: inout [UInt8]) {
        if !family.descriptor.help.isEmpty {
            buffer.append(contentsOf: "# HELP ".utf8)
            buffer.append(contentsOf: familyName.utf8)
            buffer.append(0x20)
            appendEscaped(family.descriptor.help, escapeQuote: helpEscapesQuote, into: &buffer)
            buffer.append(newline)
        }
        buffer.append(contentsOf: "# TYPE ".utf8)
        buffer.append(contentsOf: familyName.utf8)
        buffer.append(0x20)
        buffer.append(contentsOf: typeName.utf8)
        buffer.append(newline)
        for sample in family.samples {
            buffer.append(contentsOf: sampleName.utf8)
            appendLabels(sample.labels, into: &buffer)
            buffer.append(0x20)
            appendValue(sample.value, into: &buffer)
            buffer.append(newline)
        }
    }

    static func appendEscaped(_ text: String, escapeQuote: Bool, into buffer: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case backslash:
                buffer.append(backslash); buffer.append(backslash)
            case newline:
                buffer.append(backslash); buffer.append(0x6E) // "n"
            case quote where escapeQuote:
                buffer.append(backslash); buffer.append(quote)
            default:
                buffer.append(byte)
            }
        }
    }

    /// Appends `name="value",...` inside braces, or nothing for no labels.
    static func appendLabels(_ labels: [Label], into buffer: inout [UInt8]) {
        guard !labels.isEmpty else { return }
        buffer.append(0x7B) // "{"
        for (index, label) in labels.enumerated() {
            if index > 0 { buffer.append(0x2C) } // ","
            buffer.append(contentsOf: label.name.utf8)
            buffer.append(0x3D) // "="
            buffer.append(quote)
            appendEscaped(label.value, escapeQuote: true, into: &buffer)
            buffer.append(quote)
        }
        buffer.append(0x7D) // "}"
    }

    /// Appends a sample value in a form both Prometheus parsers accept:
    /// `NaN`, `+Inf`, `-Inf` for non-finite values (Swift's `nan`/`inf` are
    /// rejected), integers below 1e15 without a fraction (`1`, `-3`, `0`),
    /// anything else as Swift's shortest round-trip decimal (`0.5`, `1e-05`,
    /// `1.5e+20`), which is what Go's `strconv.ParseFloat` and the
    /// OpenMetrics ABNF accept.
    static func appendValue(_ value: Double, into buffer: inout [UInt8]) {
        if value.isNaN {
            buffer.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            buffer.append(contentsOf: (value > 0 ? "+Inf" : "-Inf").utf8)
        } else if value == value.rounded(.towardZero), value.magnitude < 1e15 {
            // Exact: every integer below 2^53 is representable, and printing
            // it whole avoids `1234567.0` / `1.234567e+06` noise for balances.
            // Up to 15 bytes a String is stored inline: no allocation.
            buffer.append(contentsOf: String(Int64(value)).utf8)
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }
}
