import BalanceCore
import BalanceSimulators
import BalanceSockets
import BalanceSupport
import Dispatch
import Synchronization

/// The rendered account part of the metrics body, per format, kept until
/// the engine's data changes: a scrape between refreshes copies bytes
/// instead of rendering every series again. The gzip-compressed form of a
/// part is made on the first gzip scrape after a change and kept with it,
/// so compression also happens once per change, not per scrape.
///
/// One render or compression runs at a time. Scrapes that find the cache
/// older than the data they need wait for it and then use its result when it
/// is new enough, rather than each rendering the same body: while a round of
/// refreshes changes the data every few milliseconds, 50 scrapers of 10,000
/// accounts would otherwise render side by side and starve the refreshes.
///
/// It measures what producing a part costs (waiting for a render in progress
/// included), so a scrape can stop waiting for refreshes early enough to
/// render within its timeout (`expectedRenderSeconds`); and a render that
/// would still overrun leaves the scrape the last rendering
/// (`answerable(_:format:gzip:by:render:)`).
///
/// A scrape between changes reads the cache once, beside every other scrape
/// (`cached(format:key:gzip:now:)`, under a shared lock): the whole answer
/// is already made.
final class RenderCache: Sendable {
    /// What a scrape needs at least: the engine's generation it saw after
    /// its refreshes, and the exporter's own families as they are now.
    struct Key: Equatable {
        var generation: UInt64
        var exporterVersion: UInt64

        /// Rendered from data at least as new as `self` asks for.
        func isSatisfied(by rendered: Key) -> Bool {
            rendered.exporterVersion == exporterVersion && rendered.generation >= generation
        }
    }

    /// A rendered account part and the key of the snapshot it was rendered from.
    struct Rendered {
        var body: [UInt8]
        var validUntil: Double
        var key: Key
    }

    private struct Entry {
        var key: Key
        /// A staleness deadline passes then: series disappear without a refresh.
        var validUntil: Double
        var body: [UInt8]
        var gzip: Gzip.Prefix?
        /// The whole gzip body for the process part rendered at `processTime`.
        var gzipBody: (processTime: Double, bytes: [UInt8])?
    }

    /// What each format's scrapes read: its account part and its process part.
    private struct State {
        var entries: [ExpositionFormat: Entry] = [:]
        var processParts: [ExpositionFormat: ProcessPart] = [:]
    }

    private let clock: any WallClock
    private let state = ReadWriteLock(State())
    /// The durations of the last `costSamples` productions, oldest first.
    private let costs = Mutex<[Double]>([])
    /// The longest of `costs`, read by every scrape without the lock.
    private let longestCost = Atomic<UInt64>(0.0.bitPattern)
    static let costSamples = 8
    /// Held while rendering or compressing an account part (never while
    /// holding `state`): one at a time, see the type's comment.
    private let producing = Mutex(())

    init(clock: any WallClock) {
        self.clock = clock
    }

    /// The longest of the last few productions of an account part (render,
    /// compression and the wait for another scrape's render): what a scrape
    /// that needs new data should expect to spend after its wait. 0 before
    /// the first.
    var expectedRenderSeconds: Double { Double(bitPattern: longestCost.load(ordering: .relaxed)) }

    /// Runs `work` and keeps its duration as a cost sample.
    private func measured<T>(_ work: () -> T) -> T {
        let started = clock.uptime()
        let result = work()
        let cost = max(0, clock.uptime() - started)
        costs.withLock { costs in
            costs.append(cost)
            if costs.count > Self.costSamples { costs.removeFirst(costs.count - Self.costSamples) }
            longestCost.store((costs.max() ?? 0).bitPattern, ordering: .relaxed)
        }
        return result
    }

    /// Rendered process metrics and when they were rendered.
    struct ProcessPart {
        var time: Double
        var bytes: [UInt8]
    }

    /// How long the rendered process metrics are reused. Reading /proc is
    /// most of a cached scrape's cost; scrapes come seconds apart, so a
    /// value at most this old is as good as a fresh one, and a burst of
    /// scrapes (several Prometheus replicas, a benchmark) reads /proc once.
    static let processMetricsLifetime: Double = 1

    /// A whole answer made before, for a scrape that needs `key`.
    enum Answer {
        /// The gzip body, process part included.
        case gzip([UInt8])
        /// The account part and the process part, sent one after the other.
        case plain(body: [UInt8], process: [UInt8])
    }

    /// The answer for `format`, compressed if `gzip`, when everything it
    /// is made of is cached and young enough: the account part for `key`
    /// and a process part younger than `processMetricsLifetime`. nil when
    /// something must be produced first (see `processPart`, `gzipBody`,
    /// `body`).
    func cached(format: ExpositionFormat, key: Key, gzip: Bool, now: Double) -> Answer? {
        state.read { state in
            guard let entry = state.entries[format], Self.isFresh(entry, key, now),
                  let process = state.processParts[format], Self.isYoung(process, now) else { return nil }
            if !gzip { return .plain(body: entry.body, process: process.bytes) }
            guard let finished = entry.gzipBody, finished.processTime == process.time else { return nil }
            return .gzip(finished.bytes)
        }
    }

    private static func isYoung(_ part: ProcessPart, _ now: Double) -> Bool {
        now >= part.time && now - part.time < processMetricsLifetime
    }

    /// The rendered process metrics (ending the body: `# EOF` in OpenMetrics),
    /// re-rendered when older than `processMetricsLifetime`.
    func processPart(format: ExpositionFormat, now: Double, render: () -> [UInt8]) -> ProcessPart {
        if let part = state.read({ $0.processParts[format] }), Self.isYoung(part, now) { return part }
        let part = ProcessPart(time: now, bytes: render())
        state.write { $0.processParts[format] = part }
        return part
    }

    /// The whole gzip body (cached part + `process` part), made once per
    /// cached entry and process part; nil if zlib failed.
    func gzipBody(format: ExpositionFormat, key: Key, now: Double, process: ProcessPart,
                  render: () -> Rendered) -> [UInt8]? {
        if let entry = fresh(format, key, now), let finished = entry.gzipBody, finished.processTime == process.time {
            return finished.bytes
        }
        guard let prefix = gzipPrefix(format: format, key: key, now: now, render: render),
              let bytes = Gzip.finish(prefix, tail: process.bytes) else { return nil }
        state.write { state in
            if var entry = state.entries[format], entry.gzip?.bytes == prefix.bytes {
                entry.gzipBody = (process.time, bytes)
                state.entries[format] = entry
            }
        }
        return bytes
    }

    /// The cached bytes for `format` if new enough for `key`, or those
    /// `render` produces (and are cached).
    func body(format: ExpositionFormat, key: Key, now: Double, render: () -> Rendered) -> [UInt8] {
        if let entry = fresh(format, key, now) { return entry.body }
        return measured {
            producing.withLock { _ in
                // Whoever held the lock before may have rendered what we need.
                (fresh(format, key, now) ?? renderHoldingLock(format, render)).body
            }
        }
    }

    /// The gzip prefix of the bytes `body(format:key:now:render:)` answers
    /// (see `Gzip`), compressed at most once per cached entry; nil if zlib
    /// failed.
    func gzipPrefix(format: ExpositionFormat, key: Key, now: Double, render: () -> Rendered) -> Gzip.Prefix? {
        if let entry = fresh(format, key, now), let gzip = entry.gzip { return gzip }
        return measured {
            producing.withLock { _ in
                let entry = fresh(format, key, now) ?? renderHoldingLock(format, render, compress: true)
                if let gzip = entry.gzip { return gzip }
                guard let gzip = Gzip.prefix(entry.body) else { return nil }
                state.write { state in
                    // Kept only with the very bytes it was made from.
                    if var current = state.entries[format], current.body == entry.body {
                        current.gzip = gzip
                        state.entries[format] = current
                    }
                }
                return gzip
            }
        }
    }

    /// The cached entry for `format` when it satisfies `key` and has not expired.
    private func fresh(_ format: ExpositionFormat, _ key: Key, _ now: Double) -> Entry? {
        guard let entry = state.read({ $0.entries[format] }), Self.isFresh(entry, key, now) else { return nil }
        return entry
    }

    private static func isFresh(_ entry: Entry, _ key: Key, _ now: Double) -> Bool {
        key.isSatisfied(by: entry.key) && now < entry.validUntil
    }

    /// Renders (and compresses) and caches; only with `producing` held. A
    /// compressed entry appears with its gzip prefix, never before it.
    private func renderHoldingLock(_ format: ExpositionFormat, _ render: () -> Rendered, compress: Bool = false) -> Entry {
        let rendered = render()
        var entry = Entry(key: rendered.key, validUntil: rendered.validUntil, body: rendered.body)
        if compress { entry.gzip = Gzip.prefix(entry.body) }
        state.write { $0.entries[format] = entry }
        return entry
    }

    /// What a scrape that must answer by `deadline` answers with: a key,
    /// and whether to compress (when `gzip` allows it). When the cache lacks
    /// what `key` asks for, it is produced (compressed too if `gzip`) on a
    /// thread of its own, and the scrape waits for it at most until
    /// `deadline`; past it, the scrape answers with the part rendered last
    /// (older data, still valid; uncompressed if it was never compressed)
    /// while the new one is kept for the next scrape. With no such part it
    /// returns `key`: the caller produces it.
    func answerable(_ key: Key, format: ExpositionFormat, gzip: Bool, by deadline: Double,
                    render: @escaping @Sendable () -> Rendered) -> (key: Key, gzip: Bool) {
        let now = clock.now()
        if let entry = fresh(format, key, now), !gzip || entry.gzip != nil { return (key, gzip) }
        guard let last = state.read({ $0.entries[format] }), last.key.exporterVersion == key.exporterVersion,
              now < last.validUntil else { return (key, gzip) }
        let produced = DispatchSemaphore(value: 0)
        let started = DetachedThread.start { [self] in
            if gzip {
                _ = gzipPrefix(format: format, key: key, now: clock.now(), render: render)
            } else {
                _ = body(format: format, key: key, now: clock.now(), render: render)
            }
            produced.signal()
        }
        guard started, produced.wait(timeout: .now() + max(0, deadline - now)) == .timedOut else { return (key, gzip) }
        return (last.key, gzip && last.gzip != nil)
    }

    /// The earliest time at which the snapshot's rendering changes by the
    /// clock alone: when a failing account's last good values stop being
    /// exported (`AccountStatus.exportedUntil`, the one staleness rule).
    static func validUntil(_ snapshot: EngineSnapshot) -> Double {
        var until = Double.infinity
        for (_, status) in snapshot.accounts where status.reading != nil {
            if let exported = status.exportedUntil(maxStale: snapshot.maxStale), exported >= snapshot.now {
                until = min(until, exported)
            }
        }
        return until
    }
}
