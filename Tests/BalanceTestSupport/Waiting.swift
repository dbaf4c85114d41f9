import Foundation
import Synchronization

/// Polls `condition` until it holds or `timeout` real seconds pass: for
/// events on other threads that no clock controls.
package func waitUntil(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}

/// Values appended from any thread, read by the test.
package final class LockedArray<T: Sendable>: Sendable {
    private let storage = Mutex<[T]>([])
    package init() {}
    package func append(_ value: T) { storage.withLock { $0.append(value) } }
    package var values: [T] { storage.withLock { $0 } }
}
