import BalanceSockets
import Dispatch
import Synchronization

/// One `SocketTransport.send` in flight: the continuation it waits on and
/// the socket its thread uses. Whichever ends the exchange first (the thread
/// with its result, the caller's cancellation, the deadline's watchdog)
/// resumes the continuation, exactly once; the others are no-ops. An early
/// end also shuts the socket down, which wakes the thread from any poll so it
/// finishes soon instead of at the deadline.
final class PendingExchange: Sendable {
    typealias Outcome = Result<HTTPResponse, TransportError>

    private struct State {
        var continuation: CheckedContinuation<Outcome, Never>?
        /// Set once; the first outcome wins.
        var outcome: Outcome?
        /// The socket in use, while the thread holds it open.
        var socket: Socket?
    }

    private let state = Mutex(State())

    var isFinished: Bool { state.withLock { $0.outcome != nil } }

    /// The caller's continuation; resumed at once when the exchange already
    /// ended (cancelled before it started). False in that case.
    func wait(with continuation: CheckedContinuation<Outcome, Never>) -> Bool {
        let early = state.withLock { state -> Outcome? in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        guard let early else { return true }
        continuation.resume(returning: early)
        return false
    }

    /// Ends the exchange with `outcome` unless it already ended.
    func finish(_ outcome: Outcome) {
        let continuation = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            // Under the lock: the thread cannot close this descriptor (and the
            // number cannot be reused) between our check and the shutdown.
            state.socket?.shutdown(Socket.shutBoth)
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }

    /// Ends the exchange with `.timeout` at `deadline` unless it ended before;
    /// this also bounds the one wait no poll can: the name lookup.
    func finish(at deadline: Deadline) {
        let delay = Int(min(deadline.remaining, 86_400) * 1000) + 1
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) { [weak self] in
            self?.finish(.failure(.timeout))
        }
    }

    /// The thread's socket, shut down by an early end; false (and not
    /// registered) when the exchange already ended.
    func register(_ socket: Socket) -> Bool {
        state.withLock { state in
            guard state.outcome == nil else { return false }
            state.socket = socket
            return true
        }
    }

    /// Called before the thread closes its socket.
    func unregister() {
        state.withLock { $0.socket = nil }
    }
}
