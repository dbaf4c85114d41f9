/// What the simulated instance metadata services (Tencent CVM, Alibaba ECS,
/// Huawei ECS) share: the temporary credentials of the instance's role,
/// handed out again before they expire, and IMDSv2-style session tokens.
/// Values, kept under each simulator's own lock; each simulator names the
/// keys of a set from its number and speaks its own paths and headers.

/// The role's temporary credentials as the real services hand them out: the
/// same set until `rotationMargin` before it expires, then a new one.
struct RotatingCredentials {
    /// One issued set: its number (1, 2, ...) names its keys.
    struct Issue {
        var number: Int
        var expiresAt: Double
    }

    let lifetime: Double
    /// New credentials are handed out this long before the old ones expire.
    let rotationMargin: Double
    private(set) var current: Issue?

    init(lifetime: Double, rotationMargin: Double) {
        self.lifetime = lifetime
        self.rotationMargin = rotationMargin
    }

    /// How many sets were issued.
    var issuedCount: Int { current?.number ?? 0 }

    /// The set to hand out at `now`, and whether it is new (the simulator
    /// then registers it with its upstream).
    mutating func issue(now: Double) -> (issue: Issue, isNew: Bool) {
        if let current, now < current.expiresAt - rotationMargin { return (current, false) }
        let fresh = Issue(number: issuedCount + 1, expiresAt: (now + lifetime).rounded(.down))
        current = fresh
        return (fresh, true)
    }
}

/// Session tokens of a metadata service that asks for one (IMDSv2): a `PUT`
/// with a lifetime in seconds gets a token; a `GET` that sends one must send
/// a live one, and a hardened instance refuses a `GET` without.
struct MetadataSessionTokens {
    /// The longest lifetime a `PUT` may ask for.
    let maxSeconds: Int
    /// The issued tokens are this, then a number.
    let prefix: String
    private var expiries: [String: Double] = [:]
    private var issued = 0

    init(maxSeconds: Int, prefix: String) {
        self.maxSeconds = maxSeconds
        self.prefix = prefix
    }

    /// A new token for a `PUT` whose lifetime header says `seconds`; nil
    /// (the service's 400) when it is missing, not a number or out of range.
    mutating func issue(seconds header: String?, now: Double) -> String? {
        guard let seconds = header.flatMap({ Int($0) }), (1...maxSeconds).contains(seconds) else { return nil }
        expiries = expiries.filter { now < $0.value }  // bounded however long the demo runs
        issued += 1
        let token = "\(prefix)\(issued)"
        expiries[token] = now + Double(seconds)
        return token
    }

    /// Whether a `GET` sending `token` (nil: none) may be answered; a
    /// refusal is the service's 401.
    func admits(_ token: String?, required: Bool, now: Double) -> Bool {
        guard let token else { return !required }
        return expiries[token].map { now < $0 } ?? false
    }

    /// Every token issued so far is refused from now on.
    mutating func expireAll() {
        expiries.removeAll()
    }
}
