import BalanceHTTP

/// The contract between the refresh engine and a provider client.
///
/// Implementers:
/// - `fetchBalance()` performs one refresh of one account: whatever upstream
///   round trips that takes (a token grant, a retry after an expired token),
///   but never a retry loop and never a sleep: the engine owns backoff,
///   rate limiting and concurrency. It must honour task cancellation.
/// - On success it returns a `BalanceReading` with amounts already in major
///   currency units. A field the upstream left absent or null is simply not in
///   `fields` (never a made-up 0 or -1); a success without the balance itself
///   is no success: it throws `.bad_response`.
/// - On failure it throws a `ProviderError` whose `reason` says what the
///   operator should do, and whose texts never contain a secret, token or
///   refresh token and are bounded (`ProviderError.bounded(removing:)`); an
///   HTTP 429 is `.throttled`, and a `Retry-After` the upstream sent is in
///   `retryAfter`.
/// - It may be called again while a previous call is still running only
///   after that call returned; the engine guarantees one in-flight fetch per
///   account.
package protocol BalanceProvider: Sendable {
    func fetchBalance() async throws(ProviderError) -> BalanceReading
}

package struct BalanceReading: Sendable, Equatable {
    /// The account ID the upstream reported (Tencent `Uin`, Yeastar `userId`),
    /// used as the `uin` label unless the account configures `uin`.
    package var uin: String?
    /// The available balance in major currency units: `balance_available`.
    package var available: Double
    /// Provider-specific series. The engine adds `provider` and `uin` labels
    /// in front of `labels`.
    package var fields: [FieldSample]
    /// Values the upstream sent that the provider left out to stay within its
    /// bounds (temporary credits beyond the 100th): counted in
    /// `balance_exporter_upstream_values_dropped_total`.
    package var dropped: Int
    /// The currency the upstream reported (Alibaba Cloud's `Currency`), for
    /// `balance_account_info{currency}` when the account configures none.
    package var currency: String?

    package init(uin: String? = nil, available: Double, fields: [FieldSample], dropped: Int = 0, currency: String? = nil) {
        self.currency = currency
        self.uin = uin
        self.available = available
        self.fields = fields
        self.dropped = dropped
    }

    /// No label value an upstream controls is longer than this (the `uin`
    /// included): a 300,000-character `Uin` must not become a label.
    package static let maxLabelValueLength = 256

    /// No list in an upstream answer (Tencent Cloud's temporary credits, for
    /// example) gives more than this many entries of series per account: an
    /// upstream listing thousands must not create thousands of series. What
    /// is left out counts in `dropped`.
    package static let maxListEntries = 100

    /// The reading without what exceeds `maxLabelValueLength`: a sample whose
    /// label is too long is left out, a `uin` that is too long is no `uin`
    /// (the label falls back to the account name). `dropped` counts them too.
    package func bounded() -> BalanceReading {
        func fits(_ text: String) -> Bool {
            text.utf8.count <= Self.maxLabelValueLength || text.count <= Self.maxLabelValueLength
        }
        var reading = self
        reading.fields = fields.filter { $0.labels.allSatisfy { fits($0.value) } }
        reading.dropped += fields.count - reading.fields.count
        if let uin, !fits(uin) {
            reading.uin = nil
            reading.dropped += 1
        }
        if let currency, !fits(currency) {
            reading.currency = nil
            reading.dropped += 1
        }
        return reading
    }
}

package struct FieldSample: Sendable, Equatable {
    package var descriptor: MetricDescriptor
    /// Labels beyond `provider` and `uin` (for example one temporary credit).
    package var labels: [Label]
    package var value: Double

    package init(_ descriptor: MetricDescriptor, _ value: Double, labels: [Label] = []) {
        self.descriptor = descriptor
        self.value = value
        self.labels = labels
    }
}

/// Why a refresh failed: the fixed vocabulary of `balance_upstream_errors_total{reason}`.
package enum FailureReason: String, Sendable, CaseIterable {
    /// Credentials rejected or missing: back off to the maximum, log once.
    case auth
    /// Credentials valid but not allowed to read the balance: back off to the maximum, log once.
    case permission
    /// The upstream asked us to slow down: back off harder than for transient errors.
    case throttled
    /// The request's timestamp was rejected: the host's clock is off.
    case clock
    /// No answer within the request timeout.
    case timeout
    /// Connection refused, reset, DNS failure, TLS failure.
    case network
    /// An HTTP status that is not a success and carries no upstream error body (5xx, for example).
    case http_status
    /// A body that is not the documented JSON: HTML, truncated, too large, wrong shape.
    case bad_response
    /// The upstream answered with a documented error code not covered above.
    case upstream_error
    /// The fetch succeeded but reported the `uin` an account earlier in the
    /// configuration already exports (the same key configured twice): its
    /// values are not exported, so the two are never mixed.
    case duplicate

    /// Errors an operator must fix: retrying soon cannot help.
    package var isPersistent: Bool {
        switch self {
        case .auth, .permission, .duplicate: return true
        default: return false
        }
    }

    /// For a non-success HTTP status that carries no upstream error body:
    /// 429 Too Many Requests (RFC 6585 §4) is throttling for every provider.
    package static func forHTTPStatus(_ status: Int) -> FailureReason {
        status == 429 ? .throttled : .http_status
    }
}

package struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    package var reason: FailureReason
    /// The upstream's error code when it sent one (`AuthFailure.SignatureFailure`).
    package var code: String?
    /// Human-readable detail. Never contains secrets or tokens.
    package var message: String
    /// The upstream's request ID, for support tickets.
    package var requestID: String?
    /// Seconds the upstream asked us to wait (`Retry-After`): the engine
    /// waits at least this long, at most its backoff maximum.
    package var retryAfter: Double?

    package init(_ reason: FailureReason, code: String? = nil, message: String, requestID: String? = nil,
                retryAfter: Double? = nil) {
        self.reason = reason
        self.code = code
        self.message = message
        self.requestID = requestID
        self.retryAfter = retryAfter
    }

    package var description: String {
        var parts = ["reason=\(reason.rawValue)"]
        if let code { parts.append("code=\(code)") }
        parts.append("message=\(message)")
        if let requestID { parts.append("request_id=\(requestID)") }
        return parts.joined(separator: " ")
    }
}
