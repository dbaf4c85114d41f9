import BalanceCrypto
import BalanceSupport
import Synchronization

/// The user name and password of an `Authorization: Basic` header
/// (RFC 7617, https://www.rfc-editor.org/rfc/rfc7617): `Basic` in any case,
/// white space, then base64 (standard alphabet, padded) of `user:password`,
/// split at the first colon, so a password may hold colons and a user name
/// may not. The user name is UTF-8 (§2.1's charset); the password is kept as
/// bytes, which is what bcrypt takes.
package struct BasicCredentials: Sendable, Equatable {
    package var user: String
    package var password: [UInt8]

    package init(user: String, password: [UInt8]) {
        self.user = user
        self.password = password
    }

    /// Nil for a missing scheme, bad base64, no colon or a user name that is
    /// not UTF-8: each is a request without usable credentials.
    package init?(authorization: String) {
        let value = authorization.utf8
        guard value.count > 6, value.prefix(5).elementsEqual("basic".utf8, by: { $0 | 0x20 == $1 }),
              value.dropFirst(5).first == UInt8(ascii: " ") || value.dropFirst(5).first == UInt8(ascii: "\t") else { return nil }
        let token = Substring(authorization).dropFirst(5).trimmingWhitespace()
        guard let decoded = Base64.decode(token), let colon = decoded.firstIndex(of: UInt8(ascii: ":")),
              let user = String(validating: decoded[..<colon], as: UTF8.self) else { return nil }
        self.init(user: user, password: Array(decoded[(colon + 1)...]))
    }

    /// The header value for these credentials (for clients: the health
    /// check, a proxy's `Proxy-Authorization`).
    package var headerValue: String {
        "Basic " + Base64.encode(Array(user.utf8) + [UInt8(ascii: ":")] + password)
    }
}

/// Checks Basic credentials against `basic_auth_users` (user -> bcrypt
/// hash), as exporter-toolkit does, with three protections
/// (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md#about-bcrypt):
///
/// - constant time per user: an unknown user is checked against a decoy
///   hash of the highest configured cost, so it costs what a wrong password
///   costs and user names cannot be probed by timing;
/// - a cache of verified credentials, so a scraper pays for bcrypt once per
///   (user, password, hash): keyed by a SHA-256 of the three under a random
///   key of this verifier (never the password itself), successes only (so
///   failed attempts cannot evict them), at most `cacheCapacity` entries,
///   the oldest dropped first; a changed hash (a rotated password) misses;
/// - at most `maxConcurrentChecks` bcrypt checks at once: beyond that the
///   answer is `.busy` at once, which the server maps to 503 with
///   `Retry-After` (the server is overloaded, not the client wrong), so a
///   flood of failed logins cannot pin every core; cached credentials skip
///   the check and keep working during such a flood.
package final class BasicAuthVerifier: Sendable {
    package enum Outcome: Sendable, Equatable {
        case allowed(user: String)
        /// Missing, malformed or wrong credentials: 401 with `WWW-Authenticate: Basic`.
        case denied
        /// Too many checks running: 503.
        case busy
    }

    package static let defaultCacheCapacity = 1024
    /// Two checks at once: a small host's two cores at most, while cached
    /// credentials keep being served.
    package static let defaultMaxConcurrentChecks = 2

    /// The bcrypt check; tests put one in that they can hold.
    typealias Check = @Sendable (_ hash: BcryptHash, _ password: [UInt8]) -> Bool

    private let cacheKey: [UInt8]
    private let cacheCapacity: Int
    private let maxConcurrentChecks: Int
    private let check: Check
    private let state: Mutex<State>

    private struct State {
        var users: [String: BcryptHash]
        var decoy: BcryptHash
        var running = 0
        var verified: Set<[UInt8]> = []
        /// `verified` in the order added, oldest first from `oldest`.
        var order: [[UInt8]] = []
        var oldest = 0
    }

    /// With no users every request is denied: a web configuration without
    /// `basic_auth_users` needs no verifier (the toolkit asks for no credentials then).
    package convenience init(users: [String: BcryptHash], cacheCapacity: Int = defaultCacheCapacity,
                             maxConcurrentChecks: Int = defaultMaxConcurrentChecks) {
        self.init(users: users, cacheCapacity: cacheCapacity, maxConcurrentChecks: maxConcurrentChecks) { $0.verify($1) }
    }

    init(users: [String: BcryptHash], cacheCapacity: Int, maxConcurrentChecks: Int, check: @escaping Check) {
        precondition(cacheCapacity >= 1 && maxConcurrentChecks >= 1, "a verifier needs a cache and a check")
        var generator = SystemRandomNumberGenerator()
        cacheKey = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.cacheCapacity = cacheCapacity
        self.maxConcurrentChecks = maxConcurrentChecks
        self.check = check
        state = Mutex(State(users: users, decoy: Self.decoy(for: users)))
    }

    /// New users (a reloaded web configuration); verified credentials stay
    /// cached, and only match while their user keeps the same hash.
    package func update(users: [String: BcryptHash]) {
        state.withLock { state in
            state.users = users
            state.decoy = Self.decoy(for: users)
        }
    }

    private static func decoy(for users: [String: BcryptHash]) -> BcryptHash {
        BcryptHash.decoy(cost: users.values.map(\.cost).max() ?? BcryptHash.costs.lowerBound)
    }

    /// The outcome for a request's `Authorization` header (nil when absent).
    package func verify(authorization: String?) -> Outcome {
        guard let authorization, let credentials = BasicCredentials(authorization: authorization) else { return .denied }
        return verify(credentials)
    }

    package func verify(_ credentials: BasicCredentials) -> Outcome {
        let (known, hash) = state.withLock { ($0.users[credentials.user], $0.users[credentials.user] ?? $0.decoy) }
        let key = entryKey(credentials, hash)
        let admitted: Bool? = state.withLock { state in
            if known != nil, state.verified.contains(key) { return nil }
            guard state.running < maxConcurrentChecks else { return false }
            state.running += 1
            return true
        }
        switch admitted {
        case nil: return .allowed(user: credentials.user)
        case false?: return .busy
        case true?: break
        }
        let matches = check(hash, credentials.password)
        state.withLock { state in
            state.running -= 1
            if matches, known != nil { Self.remember(key, in: &state, capacity: cacheCapacity) }
        }
        return matches && known != nil ? .allowed(user: credentials.user) : .denied
    }

    /// How many verified credentials are cached (for tests and metrics).
    package var cachedCount: Int { state.withLock { $0.verified.count } }

    private func entryKey(_ credentials: BasicCredentials, _ hash: BcryptHash) -> [UInt8] {
        // Lengths first, so that no two (user, password, hash) spell the same message.
        var message: [UInt8] = []
        for field in [Array(credentials.user.utf8), credentials.password, Array(hash.text.utf8)] {
            message += withUnsafeBytes(of: UInt64(field.count).bigEndian, Array.init)
            message += field
        }
        return HMAC.sha256(key: cacheKey, message: message)
    }

    private static func remember(_ key: [UInt8], in state: inout State, capacity: Int) {
        guard state.verified.insert(key).inserted else { return }
        state.order.append(key)
        if state.verified.count > capacity {
            state.verified.remove(state.order[state.oldest])
            state.oldest += 1
        }
        // Drop the evicted prefix now and then, so `order` stays bounded too.
        if state.oldest > capacity {
            state.order.removeFirst(state.oldest)
            state.oldest = 0
        }
    }
}
