import BalanceSupport
import Glibc

/// The standard process collector (`process_*`, reserved by Prometheus for
/// exactly these metrics; names and HELP texts as in client_golang), read
/// from `/proc/self` on Linux.
///
/// Split as everywhere else: `collect()` is the thin I/O edge that reads the
/// files; `parseStat`, `parseBootTime`, `parseMaxOpenFiles` (in
/// `ProcessMetrics+Parsing.swift`) and `families(_:)` are pure. Whatever
/// cannot be read or parsed is omitted, never exported as NaN (a NaN is not
/// "no data" to PromQL). On systems without `/proc` the result is empty.
///
/// These descriptors live here rather than in `Metrics/Catalog.swift`
/// because they are not ours: their names and HELP texts are fixed by the
/// Prometheus ecosystem.
package enum ProcessMetrics {
    package static let cpuSeconds = MetricDescriptor(
        name: "process_cpu_seconds_total", type: .counter,
        help: "Total user and system CPU time spent in seconds.")
    package static let openFDs = MetricDescriptor(
        name: "process_open_fds", type: .gauge,
        help: "Number of open file descriptors.")
    package static let maxFDs = MetricDescriptor(
        name: "process_max_fds", type: .gauge,
        help: "Maximum number of open file descriptors.")
    package static let virtualMemory = MetricDescriptor(
        name: "process_virtual_memory_bytes", type: .gauge,
        help: "Virtual memory size in bytes.")
    package static let residentMemory = MetricDescriptor(
        name: "process_resident_memory_bytes", type: .gauge,
        help: "Resident memory size in bytes.")
    package static let startTime = MetricDescriptor(
        name: "process_start_time_seconds", type: .gauge,
        help: "Start time of the process since unix epoch in seconds.")
    package static let threads = MetricDescriptor(
        name: "process_threads", type: .gauge,
        help: "Number of OS threads in the process.")

    /// The raw readings; nil for anything that could not be read.
    struct Snapshot: Equatable {
        var stat: Stat?
        /// `btime` from `/proc/stat`: boot time, Unix seconds.
        var bootTime: Double?
        var openFDs: Int?
        var maxFDs: Double?
        /// `sysconf(_SC_CLK_TCK)`: the unit of the tick counts in `stat`.
        var clockTicksPerSecond: Double?
        /// `sysconf(_SC_PAGESIZE)`: the unit of `stat.residentPages`.
        var pageSize: Double?
    }

    /// Maps readings to families, leaving out each metric whose inputs are
    /// missing. Pure.
    static func families(_ snapshot: Snapshot) -> [MetricFamily] {
        var families: [MetricFamily] = []
        func add(_ descriptor: MetricDescriptor, _ value: Double?) {
            guard let value, value.isFinite else { return }
            families.append(MetricFamily(descriptor, samples: [Sample(labels: [], value: value)]))
        }
        let ticks = snapshot.clockTicksPerSecond.flatMap { $0 > 0 ? $0 : nil }
        let stat = snapshot.stat
        if let stat, let ticks {
            add(cpuSeconds, (Double(stat.userTicks) + Double(stat.systemTicks)) / ticks)
            if let bootTime = snapshot.bootTime {
                add(startTime, bootTime + Double(stat.startTicks) / ticks)
            }
        }
        add(openFDs, snapshot.openFDs.map { Double($0) })
        add(maxFDs, snapshot.maxFDs)
        add(virtualMemory, stat.map { Double($0.virtualMemoryBytes) })
        if let stat, let pageSize = snapshot.pageSize, pageSize > 0 {
            add(residentMemory, Double(stat.residentPages) * pageSize)
        }
        add(threads, stat.map { Double($0.threads) })
        return families
    }

    /// Reads `/proc/self` now. Never fails: what is unreadable is omitted.
    package static func collect() -> [MetricFamily] {
        families(Snapshot(
            stat: readFile("/proc/self/stat").flatMap(parseStat),
            bootTime: bootTime,
            openFDs: countDirectoryEntries("/proc/self/fd"),
            maxFDs: readFile("/proc/self/limits").flatMap(parseMaxOpenFiles),
            clockTicksPerSecond: positiveSysconf(Int32(_SC_CLK_TCK)),
            pageSize: positiveSysconf(Int32(_SC_PAGESIZE))))
    }

    // MARK: I/O edge

    /// `btime` is fixed while the system runs, so `/proc/stat` (large: one
    /// `intr` line of thousands of counters) is read once, not per scrape.
    private static let bootTime: Double? = readFile("/proc/stat").flatMap(parseBootTime)

    private static func positiveSysconf(_ name: Int32) -> Double? {
        let value = sysconf(name)
        return value > 0 ? Double(value) : nil
    }

    /// The whole file, read until EOF (procfs files report size 0, so the
    /// size cannot be trusted), capped at 1 MiB; nil on any error.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Entries of a directory except `.` and `..`; nil if it cannot be
    /// opened. For `/proc/self/fd` this includes the descriptor used to list
    /// it, as client_golang's count does.
    static func countDirectoryEntries(_ path: String) -> Int? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDotEntry = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name.first == UInt8(ascii: ".")
                    && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDotEntry { count += 1 }
        }
        return count
    }
}
