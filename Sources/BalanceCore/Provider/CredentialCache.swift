import BalanceSupport

/// When a cached credential (temporary keys, an access token) is renewed and
/// when the upstream stops accepting it, in Unix seconds by the injected
/// clock; nil: never (a permanent key).
package struct CredentialLifetime: Sendable, Equatable {
    package var renewAt: Double?
    package var expiresAt: Double?

    package init(renewAt: Double?, expiresAt: Double?) {
        self.renewAt = renewAt
        self.expiresAt = expiresAt
    }

    /// Renewed `margin` seconds before it expires (the SDKs' rule for STS
    /// and instance-role credentials).
    package init(expiresAt: Double?, margin: Double) {
        self.init(renewAt: expiresAt.map { $0 - margin }, expiresAt: expiresAt)
    }
}

package protocol ExpiringCredential: Sendable, Equatable {
    var lifetime: CredentialLifetime { get }
}

/// Every provider's credential cache: holds one credential until its renewal
/// time and renews it with one fetch shared by all concurrent callers (single
/// flight), so a hundred accounts behind one instance role, or a burst of
/// scrapes, cost one upstream call. No background timer: a credential is
/// renewed when a fetch needs it.
///
/// - `fetch` gets the credential held so far (a refresh token lives in it),
///   also when that one was refused.
/// - With `keepUnexpired`, a failed renewal while the held credential has not
///   expired yet returns the held one (reported to `onKeptAfterFailure`);
///   the next call tries again.
/// - A credential the upstream refused (`replace`, `invalidate`) is never
///   handed out again.
package actor CredentialCache<Credential: ExpiringCredential> {
    package typealias Fetch = @Sendable (_ previous: Credential?) async throws(ProviderError) -> Credential

    private let clock: any WallClock
    private let fetch: Fetch
    private let keepUnexpired: Bool
    private let onKeptAfterFailure: @Sendable (ProviderError) -> Void
    private var current: Credential?
    /// False once the upstream refused `current`: it is kept only for `fetch`.
    private var usable = false
    /// The renewal in progress. Not cancelled with a caller: it is bounded by
    /// the request timeout, and its result serves the others.
    private var inFlight: Task<Result<Credential, ProviderError>, Never>?

    package init(clock: any WallClock, keepUnexpired: Bool = false,
                 onKeptAfterFailure: @escaping @Sendable (ProviderError) -> Void = { _ in },
                 fetch: @escaping Fetch) {
        self.clock = clock
        self.keepUnexpired = keepUnexpired
        self.onKeptAfterFailure = onKeptAfterFailure
        self.fetch = fetch
    }

    /// A credential to use now.
    package func credential() async throws(ProviderError) -> Credential {
        if let current, usable, !isDue(current.lifetime.renewAt) { return current }
        return try await renew(keepUnexpired: keepUnexpired)
    }

    /// The upstream refused `rejected`: a different credential, either one
    /// another caller obtained meanwhile or a renewed one.
    package func replace(_ rejected: Credential) async throws(ProviderError) -> Credential {
        if let current, usable, current != rejected, !isDue(current.lifetime.expiresAt) { return current }
        invalidate(rejected)
        return try await renew(keepUnexpired: false)
    }

    /// The upstream refused `rejected`: the next `credential()` renews.
    package func invalidate(_ rejected: Credential) {
        if current == rejected { usable = false }
    }

    private func renew(keepUnexpired: Bool) async throws(ProviderError) -> Credential {
        let task: Task<Result<Credential, ProviderError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            let fetch = self.fetch, previous = current
            task = Task {
                do throws(ProviderError) { return .success(try await fetch(previous)) } catch { return .failure(error) }
            }
            inFlight = task
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        switch result {
        case .success(let credential):
            current = credential
            usable = true
            return credential
        case .failure(let error):
            if keepUnexpired, let current, usable, !isDue(current.lifetime.expiresAt) {
                onKeptAfterFailure(error)
                return current
            }
            throw error
        }
    }

    private func isDue(_ time: Double?) -> Bool {
        guard let time else { return false }
        return clock.now() >= time
    }
}
