import BalanceHTTP

/// Pure parsers for the procfs files the process collector reads; each
/// takes the file's text and returns nil when it does not have the expected
/// shape (proc(5) documents the formats).
///
/// They scan UTF-8 bytes, not Characters: they run on every scrape, and
/// `/proc/stat` (read for `btime`) has one `intr` line of thousands of
/// numbers; Character-wise splitting of it was half of a scrape's CPU time
/// (perf, Tests/bench/RESULTS.md).
extension ProcessMetrics {
    /// The fields of `/proc/[pid]/stat` the collector uses.
    struct Stat: Equatable {
        /// Field 14 `utime` and 15 `stime`, in clock ticks.
        var userTicks: UInt64
        var systemTicks: UInt64
        /// Field 20 `num_threads`.
        var threads: UInt64
        /// Field 22 `starttime`: clock ticks after boot.
        var startTicks: UInt64
        /// Field 23 `vsize`, bytes.
        var virtualMemoryBytes: UInt64
        /// Field 24 `rss`, pages.
        var residentPages: UInt64
    }

    /// Parses `/proc/[pid]/stat`. Field 2, `(comm)`, may contain spaces and
    /// parentheses (it is the process name, up to 15 bytes), so fields are
    /// counted from the last `)`.
    static func parseStat(_ text: String) -> Stat? {
        var text = text
        return text.withUTF8 { bytes -> Stat? in
            guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
            // After ")" come fields 3 (state) onwards: field N is the (N - 3)th token.
            var values = [UInt64?](repeating: nil, count: 6)
            var field = 3
            ProcBytes.forEachToken(bytes, from: close + 1, separators: { $0 == ProcBytes.space || $0 == ProcBytes.newline }) { token in
                let slot: Int
                switch field {
                case 14: slot = 0
                case 15: slot = 1
                case 20: slot = 2
                case 22: slot = 3
                case 23: slot = 4
                case 24: slot = 5
                default: slot = -1
                }
                if slot >= 0 { values[slot] = ProcBytes.unsigned(token) }
                field += 1
                return field <= 24
            }
            guard let utime = values[0], let stime = values[1], let threads = values[2],
                  let start = values[3], let vsize = values[4], let rss = values[5] else { return nil }
            return Stat(userTicks: utime, systemTicks: stime, threads: threads,
                        startTicks: start, virtualMemoryBytes: vsize, residentPages: rss)
        }
    }

    /// The `btime` line of `/proc/stat`: boot time in Unix seconds.
    static func parseBootTime(_ text: String) -> Double? {
        ProcBytes.firstTokenAfter(label: "btime ", in: text).map { Double($0) }
    }

    /// The soft limit of the `Max open files` line of
    /// `/proc/[pid]/limits`; nil if absent or `unlimited` (no number to
    /// report).
    static func parseMaxOpenFiles(_ text: String) -> Double? {
        ProcBytes.firstTokenAfter(label: "Max open files", in: text).map { Double($0) }
    }
}

/// Byte scanning for procfs text (ASCII by construction).
enum ProcBytes {
    static let space = UInt8(ascii: " ")
    static let newline = UInt8(ascii: "\n")

    /// Calls `body` with each run of non-separator bytes from `start` on,
    /// until it returns false.
    static func forEachToken(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, separators: (UInt8) -> Bool,
                             _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        var index = start
        while index < bytes.count {
            while index < bytes.count, separators(bytes[index]) { index += 1 }
            guard index < bytes.count else { return }
            let tokenStart = index
            while index < bytes.count, !separators(bytes[index]) { index += 1 }
            guard body(UnsafeBufferPointer(rebasing: bytes[tokenStart..<index])) else { return }
        }
    }

    /// The number in `token` as `UInt64(String)` reads it; nil otherwise.
    static func unsigned(_ token: UnsafeBufferPointer<UInt8>) -> UInt64? {
        UInt64(String(decoding: token, as: UTF8.self))
    }

    /// On the first line starting with `label`: the first space-separated
    /// token after it, as a number (nil if the line is missing or its token
    /// is not a number).
    static func firstTokenAfter(label: String, in text: String) -> UInt64? {
        var text = text
        let label = Array(label.utf8)
        return text.withUTF8 { bytes -> UInt64? in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != newline { lineEnd += 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
                if line.count >= label.count, line.prefix(label.count).elementsEqual(label) {
                    var value: UInt64?
                    forEachToken(line, from: label.count, separators: { $0 == space }) { token in
                        value = unsigned(token)
                        return false
                    }
                    return value
                }
                lineStart = lineEnd + 1
            }
            return nil
        }
    }
}
