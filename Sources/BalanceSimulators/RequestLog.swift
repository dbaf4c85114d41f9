import BalanceHTTP

/// The requests a simulator received, for tests to inspect: every one is
/// counted, the last `capacity` are kept. `--demo` serves from these
/// simulators for as long as the exporter runs, and a log of every request
/// grew its memory by about 2 KiB a second (Tests/hardening/soak.sh).
struct RequestLog {
    static let capacity = 1_000
    /// Requests received, the forgotten ones included.
    private(set) var total = 0
    /// The most recent requests, oldest first.
    private(set) var recent: [HTTPRequest] = []

    mutating func record(_ request: HTTPRequest) {
        total += 1
        recent.append(request)
        if recent.count > Self.capacity { recent.removeFirst(recent.count - Self.capacity) }
    }
}
