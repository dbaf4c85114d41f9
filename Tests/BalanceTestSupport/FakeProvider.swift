import Foundation
import Synchronization
import BalanceCore
import BalanceHTTP
import BalanceSupport

/// A scriptable provider for engine tests: counts calls, records the clock
/// at each call, and can hold every call until released.
package final class FakeProvider: BalanceProvider {
    package struct State {
        var result: Result<BalanceReading, ProviderError>
        var calls = 0
        var callTimes: [Double] = []
        var running = 0
        var maxRunning = 0
        var held = false
        var heldCalls: [CheckedContinuation<Void, Never>] = []
    }
    package let state: Mutex<State>
    package let clock: any WallClock

    package init(available: Double = 100, uin: String? = nil, clock: any WallClock = SystemClock()) {
        state = Mutex(State(result: .success(BalanceReading(uin: uin, available: available, fields: []))))
        self.clock = clock
    }

    package var calls: Int { state.withLock { $0.calls } }
    package var callTimes: [Double] { state.withLock { $0.callTimes } }
    package var maxRunning: Int { state.withLock { $0.maxRunning } }

    package func succeed(available: Double, fields: [FieldSample] = [], uin: String? = nil, dropped: Int = 0) {
        state.withLock { $0.result = .success(BalanceReading(uin: uin, available: available, fields: fields, dropped: dropped)) }
    }
    package func fail(_ reason: FailureReason, code: String? = nil, message: String? = nil, retryAfter: Double? = nil) {
        state.withLock {
            $0.result = .failure(ProviderError(reason, code: code, message: message ?? "scripted \(reason.rawValue)", retryAfter: retryAfter))
        }
    }
    /// Calls from now on wait until `release()`.
    package func hold() { state.withLock { $0.held = true } }
    package func release() {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.held = false
            defer { s.heldCalls = [] }
            return s.heldCalls
        }
        waiting.forEach { $0.resume() }
    }

    package func fetchBalance() async throws(ProviderError) -> BalanceReading {
        let now = clock.now()
        state.withLock { s in
            s.calls += 1
            s.callTimes.append(now)
            s.running += 1
            s.maxRunning = max(s.maxRunning, s.running)
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { s -> Bool in
                if s.held { s.heldCalls.append(c) }
                return s.held
            }
            if !wait { c.resume() }
        }
        await Task.yield()
        let result = state.withLock { s -> Result<BalanceReading, ProviderError> in
            s.running -= 1
            return s.result
        }
        return try result.get()
    }
}

package func makeAccount(_ name: String, provider: String = "fake", uin: String? = nil, currency: String? = nil,
                 refreshInterval: Double = 60) -> AccountConfig {
    AccountConfig(name: name, provider: provider, endpoint: "http://127.0.0.1:1", uin: uin, currency: currency,
                  refreshInterval: refreshInterval)
}

package func makeConfig(_ accounts: [AccountConfig], maxStale: Double = 600,
                limits: ProviderLimits = ProviderLimits(requestsPerSecond: .infinity, maxConcurrency: 100)) -> ExporterConfig {
    ExporterConfig(maxStale: maxStale, providerLimits: ["fake": limits], accounts: accounts, source: "test")
}

extension EngineSnapshot {
    /// The value of `descriptor` for the account with `uin`, with optional extra labels.
    package func value(_ descriptor: MetricDescriptor, uin: String, _ extra: [Label] = []) -> Double? {
        let families = AccountFamilies.families(self)
        guard let family = families.first(where: { $0.descriptor == descriptor }) else { return nil }
        return family.samples.first(where: { sample in
            sample.labels.contains(Label("uin", uin)) && extra.allSatisfy { sample.labels.contains($0) }
        })?.value
    }
}
