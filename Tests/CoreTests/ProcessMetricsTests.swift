import BalanceTestSupport
import XCTest
@testable import BalanceCore

final class ProcessMetricsTests: XCTestCase {
    // Captured from a Linux 6.x process whose name contains a space and a
    // parenthesis, which is why fields are counted from the last ")".
    private let stat = "8489 (my (weird) exe) S 8487 8487 2908 0 -1 4194304 97 0 0 0 250 75 0 0 20 0 6 0 95280 3133440 390 18446744073709551615 94445061816320 94445061836201 140727895625408 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94445061852208 94445061853824 94445772398592 140727895628495 140727895628515 140727895628515 140727895629803 0\n"

    private let procStat = """
        cpu  2255 34 2290 22625563 6290 127 456 0 0 0
        cpu0 1132 34 1441 11311718 3675 127 438 0 0 0
        intr 114930548 113199788 3 0 5 263 0 4 [... 242 more numbers ...]
        ctxt 1990473
        btime 1795429637
        processes 2915
        procs_running 1

        """

    private let limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max file size             unlimited            unlimited            bytes
        Max open files            20000                1048576              files
        Max locked memory         8388608              8388608              bytes

        """

    func testParseStatReadsTheFieldsAfterTheProcessName() {
        XCTAssertEqual(ProcessMetrics.parseStat(stat), ProcessMetrics.Stat(
            userTicks: 250, systemTicks: 75, threads: 6, startTicks: 95280,
            virtualMemoryBytes: 3_133_440, residentPages: 390))
    }

    func testParseStatRejectsTruncatedOrGarbageInput() {
        XCTAssertNil(ProcessMetrics.parseStat(""))
        XCTAssertNil(ProcessMetrics.parseStat("8489 (cat) R 8487 8487"))
        XCTAssertNil(ProcessMetrics.parseStat("8489 cat R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"))
        XCTAssertNil(ProcessMetrics.parseStat(stat.replacingOccurrences(of: " 250 ", with: " x ")))
    }

    func testParseBootTime() {
        XCTAssertEqual(ProcessMetrics.parseBootTime(procStat), 1_795_429_637)
        XCTAssertNil(ProcessMetrics.parseBootTime("cpu 1 2 3\n"))
        XCTAssertNil(ProcessMetrics.parseBootTime("btime soon\n"))
    }

    func testParseMaxOpenFilesTakesTheSoftLimit() {
        XCTAssertEqual(ProcessMetrics.parseMaxOpenFiles(limits), 20000)
        XCTAssertNil(ProcessMetrics.parseMaxOpenFiles(limits.replacingOccurrences(of: "20000 ", with: "unlimited")))
        XCTAssertNil(ProcessMetrics.parseMaxOpenFiles(""))
    }

    func testFamiliesFromACompleteSnapshot() {
        let snapshot = ProcessMetrics.Snapshot(
            stat: ProcessMetrics.parseStat(stat), bootTime: 1_795_429_637, openFDs: 12, maxFDs: 20000,
            clockTicksPerSecond: 100, pageSize: 4096)
        let body = String(decoding: TextFormatWriter.render(ProcessMetrics.families(snapshot)), as: UTF8.self)
        XCTAssertEqual(body, """
        # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
        # TYPE process_cpu_seconds_total counter
        process_cpu_seconds_total 3.25
        # HELP process_max_fds Maximum number of open file descriptors.
        # TYPE process_max_fds gauge
        process_max_fds 20000
        # HELP process_open_fds Number of open file descriptors.
        # TYPE process_open_fds gauge
        process_open_fds 12
        # HELP process_resident_memory_bytes Resident memory size in bytes.
        # TYPE process_resident_memory_bytes gauge
        process_resident_memory_bytes 1597440
        # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
        # TYPE process_start_time_seconds gauge
        process_start_time_seconds 1795430589.8
        # HELP process_threads Number of OS threads in the process.
        # TYPE process_threads gauge
        process_threads 6
        # HELP process_virtual_memory_bytes Virtual memory size in bytes.
        # TYPE process_virtual_memory_bytes gauge
        process_virtual_memory_bytes 3133440

        """)
    }

    func testUnreadableInputsAreOmittedNeverNaN() {
        XCTAssertEqual(ProcessMetrics.families(ProcessMetrics.Snapshot()), [])
        // Stat readable but no clock tick rate or page size: only the values
        // that need neither.
        let partial = ProcessMetrics.Snapshot(stat: ProcessMetrics.parseStat(stat), bootTime: nil, openFDs: nil,
                                              maxFDs: nil, clockTicksPerSecond: 0, pageSize: nil)
        let names = ProcessMetrics.families(partial).map(\.descriptor.name)
        XCTAssertEqual(names, ["process_virtual_memory_bytes", "process_threads"])
        // Boot time missing: CPU time is known, start time is not.
        let noBoot = ProcessMetrics.Snapshot(stat: ProcessMetrics.parseStat(stat), clockTicksPerSecond: 100)
        XCTAssertTrue(ProcessMetrics.families(noBoot).map(\.descriptor.name).contains("process_cpu_seconds_total"))
        XCTAssertFalse(ProcessMetrics.families(noBoot).map(\.descriptor.name).contains("process_start_time_seconds"))
    }

    func testLiveCollectOnLinux() throws {
        #if os(Linux)
        let families = ProcessMetrics.collect()
        func value(_ descriptor: MetricDescriptor) -> Double? {
            families.first(where: { $0.descriptor == descriptor })?.samples.first?.value
        }
        let now = Date().timeIntervalSince1970
        let start = try XCTUnwrap(value(ProcessMetrics.startTime))
        XCTAssertLessThanOrEqual(start, now + 1)
        XCTAssertGreaterThan(start, now - 86_400, "the test process started within the last day")
        XCTAssertGreaterThan(try XCTUnwrap(value(ProcessMetrics.residentMemory)), 0)
        XCTAssertGreaterThan(try XCTUnwrap(value(ProcessMetrics.virtualMemory)), 0)
        XCTAssertGreaterThan(try XCTUnwrap(value(ProcessMetrics.openFDs)), 0)
        XCTAssertGreaterThan(try XCTUnwrap(value(ProcessMetrics.maxFDs)), 0)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(value(ProcessMetrics.threads)), 1)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(value(ProcessMetrics.cpuSeconds)), 0)
        XCTAssertTrue(families.allSatisfy { $0.samples.allSatisfy { $0.value.isFinite } })
        #else
        throw XCTSkip("/proc is Linux only")
        #endif
    }
}
