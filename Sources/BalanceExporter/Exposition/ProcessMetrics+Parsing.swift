/// Pure parsers for the procfs files the process collector reads; each
/// takes the file's text and returns nil when it does not have the expected
/// shape (proc(5) documents the formats).
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
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After ")" come fields 3 (state) onwards: field N is at index N - 3.
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        func field(_ number: Int) -> UInt64? {
            let index = number - 3
            guard fields.indices.contains(index) else { return nil }
            return UInt64(fields[index])
        }
        guard let utime = field(14), let stime = field(15), let threads = field(20),
              let start = field(22), let vsize = field(23), let rss = field(24) else { return nil }
        return Stat(userTicks: utime, systemTicks: stime, threads: threads,
                    startTicks: start, virtualMemoryBytes: vsize, residentPages: rss)
    }

    /// The `btime` line of `/proc/stat`: boot time in Unix seconds.
    static func parseBootTime(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            let value = line.dropFirst("btime ".count).split(separator: " ").first
            return value.flatMap { UInt64($0) }.map { Double($0) }
        }
        return nil
    }

    /// The soft limit of the `Max open files` line of
    /// `/proc/[pid]/limits`; nil if absent or `unlimited` (no number to
    /// report).
    static func parseMaxOpenFiles(_ text: String) -> Double? {
        let label = "Max open files"
        for line in text.split(separator: "\n") where line.hasPrefix(label) {
            let soft = line.dropFirst(label.count).split(separator: " ").first
            return soft.flatMap { UInt64($0) }.map { Double($0) }
        }
        return nil
    }
}
