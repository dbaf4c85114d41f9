/// Small text helpers for the Tencent Cloud provider, pure.
enum TencentText {
    /// Without leading and trailing spaces, tabs, CR and LF (TC3 canonical
    /// header values are "trimmed"; INI lines likewise).
    static func trim(_ text: some StringProtocol) -> String {
        let bytes = Array(text.utf8)
        var start = 0, end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
