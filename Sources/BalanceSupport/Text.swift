/// Text helpers shared by every layer, pure. Each trimming rule is the one
/// a protocol or format defines, so callers say which they mean.
extension StringProtocol {
    /// Without leading and trailing Unicode whitespace and newlines (as
    /// Foundation's `.whitespacesAndNewlines`): configuration values, secret
    /// files as `echo`, Kubernetes and Docker write them.
    package func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }

    /// Without leading and trailing SP, HTAB, CR and LF: TC3's "trimmed"
    /// canonical header values, INI lines, decimal amounts.
    package func trimmingASCIIWhitespace() -> String {
        String(decoding: ASCIIText.trimmed(ArraySlice(utf8), ASCIIText.isWhitespace), as: UTF8.self)
    }

    /// Without leading and trailing SP and HTAB: HTTP's optional whitespace
    /// around field values and list elements (RFC 9110 §5.6.3).
    package func trimmingOWS() -> String {
        String(decoding: ASCIIText.trimmed(ArraySlice(utf8), ASCIIText.isOWS), as: UTF8.self)
    }
}

/// The same rules over bytes, for the parsers that work on the wire.
package enum ASCIIText {
    package static func isOWS(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    package static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
    package static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `bytes` without the leading and trailing bytes `drop` matches.
    package static func trimmed(_ bytes: ArraySlice<UInt8>, _ drop: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, drop(first) { slice = slice.dropFirst() }
        while let last = slice.last, drop(last) { slice = slice.dropLast() }
        return slice
    }

    /// The value of one hexadecimal digit (either case), or nil.
    package static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}

package enum Text {
    /// At most `limit` characters, marked with `…` when cut.
    package static func truncate(_ text: String, limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
