/// Base64 with the standard alphabet and padding (RFC 4648 §4,
/// https://www.rfc-editor.org/rfc/rfc4648#section-4), pure: what HTTP Basic
/// credentials use (RFC 7617), in `Authorization` and `Proxy-Authorization`.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var value: UInt32 = 0
            for offset in 0..<count { value |= UInt32(bytes[index + offset]) << (16 - 8 * UInt32(offset)) }
            for position in 0..<4 {
                out.append(position <= count ? alphabet[Int(value >> (18 - 6 * UInt32(position)) & 63)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `text` encodes; nil unless it is whole groups of four
    /// characters of the alphabet, with `=` padding only at the end (as Go's
    /// base64.StdEncoding reads it).
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count / 4 * 3)
        var group = 0
        while group < characters.count {
            var value: UInt32 = 0
            var padding = 0
            for offset in 0..<4 {
                let character = characters[group + offset]
                let sextet: UInt32
                if character == UInt8(ascii: "=") {
                    // Padding ends the text and fills the last group's last one or two places.
                    guard group + 4 == characters.count, offset >= 2 else { return nil }
                    padding += 1
                    sextet = 0
                } else {
                    guard padding == 0, let found = alphabet.firstIndex(of: character) else { return nil }
                    sextet = UInt32(found)
                }
                value = value << 6 | sextet
            }
            let bytes = [UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
            out += bytes.prefix(3 - padding)
            group += 4
        }
        return out
    }
}
