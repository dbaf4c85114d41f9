import Dispatch
import Synchronization
import XCTest
import BalanceSockets
@testable import BalanceSupport

final class ReadWriteLockTests: XCTestCase {
    /// Readers never see a write half done, and every write lands.
    func testReadersSeeWholeWritesAndNoWriteIsLost() {
        let lock = ReadWriteLock((a: 0, b: 0))
        let torn = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for _ in 0..<5_000 {
                if worker.isMultiple(of: 2) {
                    lock.write { $0.a += 1; $0.b += 1 }
                } else if lock.read({ $0.a != $0.b }) {
                    torn.add(1, ordering: .relaxed)
                }
            }
        }
        XCTAssertEqual(torn.load(ordering: .relaxed), 0)
        XCTAssertEqual(lock.read { $0.a }, 4 * 5_000)
    }

    /// Scrapes read all the time; an update (a new render, the process
    /// metrics of the next second) must still get in. With readers that
    /// overlap without pause, a lock that lets new readers past a waiting
    /// writer never lets it in.
    func testAWriterGetsInWhileReadersOverlapWithoutPause() {
        let lock = ReadWriteLock(0)
        let stop = Atomic<Bool>(false)
        let readersDone = DispatchSemaphore(value: 0)
        // Threads of their own: Dispatch would run no more blocks than cores.
        for _ in 0..<4 {
            XCTAssertTrue(DetachedThread.start {
                defer { readersDone.signal() }
                while !stop.load(ordering: .relaxed) {
                    lock.read { _ in
                        // Long enough that the readers' sections always overlap.
                        var spin = 0
                        for i in 0..<2_000 { spin &+= i }
                        _ = spin
                    }
                }
            })
        }
        let written = DispatchSemaphore(value: 0)
        XCTAssertTrue(DetachedThread.start {
            for _ in 0..<100 { lock.write { $0 += 1 } }
            written.signal()
        })
        let result = written.wait(timeout: .now() + 30)
        stop.store(true, ordering: .relaxed)
        for _ in 0..<4 { readersDone.wait() }
        XCTAssertEqual(result, .success, "the writer was kept out by the readers")
        XCTAssertEqual(lock.read { $0 }, 100)
    }
}
