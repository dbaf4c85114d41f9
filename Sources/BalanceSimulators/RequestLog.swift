import BalanceHTTP

/// The requests a simulator received, for tests to inspect: every one is
/// counted, the last `capacity` are kept (tests look at a few). `--demo`
/// serves from these simulators for as long as the exporter runs, and a log
/// of every request (about 1.4 KiB each, signed headers and body) grew its
/// memory by about 2 KiB a second (Tests/hardening/soak.sh).
struct RequestLog {
    static let capacity = 100
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
