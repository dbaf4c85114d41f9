import Glibc

/// A value read by many threads at once and written rarely: a POSIX
/// read-write lock that prefers writers, around the value.
///
/// For what every scrape reads (the rendered bodies, the negotiation of a
/// Prometheus server's headers) and changes seconds apart. A `Mutex` there
/// serialises the readers: with more connection threads than cores, a reader
/// preempted inside its few instructions leaves the others asleep in the
/// kernel (glibc's priority-inheritance futex), and a profile of 16
/// connections on 2 cores put 38% of the CPU in that wait. Readers here only
/// share the lock word; a writer waits for the readers inside, and readers
/// arriving while it waits queue behind it, so a stream of scrapes cannot
/// starve an update.
/// https://man7.org/linux/man-pages/man3/pthread_rwlockattr_setkind_np.3.html
package final class ReadWriteLock<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `lock` held (shared to read,
    // exclusive to write), and only Sendable values may be kept (init).
    @usableFromInline let lock: UnsafeMutablePointer<pthread_rwlock_t>
    @usableFromInline var value: Value

    package init(_ value: sending Value) where Value: Sendable {
        self.value = value
        lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        // Writer-preferring; "non-recursive": no reader ever takes it twice.
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        let initialised = pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        // Fails only for want of memory or bad attributes, both programming errors here.
        precondition(initialised == 0, "pthread_rwlock_init: \(initialised)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// `body` with the value, beside any other readers. Inlinable, as the
    /// standard library's `Mutex.withLock` is: specialised where it is used.
    @inlinable
    package func read<T>(_ body: (Value) throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    /// `body` with the value to change, alone.
    @inlinable
    package func write<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }
}
