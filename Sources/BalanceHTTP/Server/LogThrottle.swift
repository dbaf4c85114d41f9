/// At most one log line per `interval` about a repeated event (a refused
/// connection in a flood): the first is logged at once, the ones after it
/// are counted and their number logged with the next line an interval
/// later. Pure: the caller passes the time.
struct LogThrottle: Sendable, Equatable {
    static let defaultInterval = 60.0

    let interval: Double
    private var lastLine = -Double.infinity
    private var heldBack = 0

    init(interval: Double = LogThrottle.defaultInterval) {
        self.interval = interval
    }

    /// The number of events to log now (this one and those held back since
    /// the last line), or nil to stay quiet.
    mutating func record(now: Double) -> Int? {
        guard now - lastLine >= interval else {
            heldBack += 1
            return nil
        }
        defer {
            lastLine = now
            heldBack = 0
        }
        return heldBack + 1
    }
}
