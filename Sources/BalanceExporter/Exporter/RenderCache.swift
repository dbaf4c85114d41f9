import Synchronization

/// The rendered account part of the metrics body, per format, kept until
/// the engine's data changes: a scrape between refreshes copies bytes
/// instead of rendering every series again. The gzip-compressed form of a
/// part is made on the first gzip scrape after a change and kept with it,
/// so compression also happens once per change, not per scrape.
final class RenderCache: Sendable {
    struct Key: Equatable {
        var generation: UInt64
        var exporterVersion: UInt64
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

    private let entries = Mutex<[ExpositionFormat: Entry]>([:])
    private let processParts = Mutex<[ExpositionFormat: ProcessPart]>([:])

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

    /// The rendered process metrics (ending the body: `# EOF` in OpenMetrics),
    /// re-rendered when older than `processMetricsLifetime`.
    func processPart(format: ExpositionFormat, now: Double, render: () -> [UInt8]) -> ProcessPart {
        if let part = processParts.withLock({ $0[format] }), now >= part.time, now - part.time < Self.processMetricsLifetime {
            return part
        }
        let part = ProcessPart(time: now, bytes: render())
        processParts.withLock { $0[format] = part }
        return part
    }

    /// The whole gzip body (cached part + `process` part), made once per
    /// cached entry and process part; nil if zlib failed.
    func gzipBody(format: ExpositionFormat, key: Key, now: Double, process: ProcessPart,
                  render: () -> (body: [UInt8], validUntil: Double)) -> [UInt8]? {
        if let entry = entries.withLock({ $0[format] }), entry.key == key, now < entry.validUntil,
           let finished = entry.gzipBody, finished.processTime == process.time {
            return finished.bytes
        }
        guard let prefix = gzipPrefix(format: format, key: key, now: now, render: render),
              let bytes = Gzip.finish(prefix, tail: process.bytes) else { return nil }
        entries.withLock { entries in
            if var entry = entries[format], entry.key == key, entry.gzip?.bytes == prefix.bytes {
                entry.gzipBody = (process.time, bytes)
                entries[format] = entry
            }
        }
        return bytes
    }

    /// The cached bytes for `format`, or those `render` produces (and are cached).
    func body(format: ExpositionFormat, key: Key, now: Double,
              render: () -> (body: [UInt8], validUntil: Double)) -> [UInt8] {
        if let entry = entries.withLock({ $0[format] }), entry.key == key, now < entry.validUntil {
            return entry.body
        }
        let (body, validUntil) = render()
        entries.withLock { $0[format] = Entry(key: key, validUntil: validUntil, body: body) }
        return body
    }

    /// The gzip prefix of the bytes `body(format:key:now:render:)` answers
    /// (see `Gzip`), compressed at most once per cached entry; nil if zlib
    /// failed.
    func gzipPrefix(format: ExpositionFormat, key: Key, now: Double,
                    render: () -> (body: [UInt8], validUntil: Double)) -> Gzip.Prefix? {
        if let entry = entries.withLock({ $0[format] }), entry.key == key, now < entry.validUntil, let gzip = entry.gzip {
            return gzip
        }
        let body = body(format: format, key: key, now: now, render: render)
        // Compressed outside the lock: concurrent scrapes of other formats
        // or identity do not wait for it (two gzip scrapes racing may both compress).
        guard let gzip = Gzip.prefix(body) else { return nil }
        entries.withLock { entries in
            // Kept only with the very bytes it was made from.
            if var entry = entries[format], entry.key == key, entry.body == body {
                entry.gzip = gzip
                entries[format] = entry
            }
        }
        return gzip
    }

    /// The earliest time at which the snapshot's rendering changes by the
    /// clock alone: when a failing account's last good values pass `max_stale`.
    static func validUntil(_ snapshot: EngineSnapshot) -> Double {
        var until = Double.infinity
        for (_, status) in snapshot.accounts where status.up == false && status.reading != nil {
            if let lastSuccess = status.lastSuccess, lastSuccess + snapshot.maxStale >= snapshot.now {
                until = min(until, lastSuccess + snapshot.maxStale)
            }
        }
        return until
    }
}
