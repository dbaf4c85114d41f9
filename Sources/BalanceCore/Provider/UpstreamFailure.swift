import BalanceHTTP
import BalanceSupport

/// What every provider does to an upstream's failure before anyone sees it:
/// bound and scrub the texts an upstream controls, name the upstream of a
/// transport failure, and keep the upstream's `Retry-After`. Pure.
package enum UpstreamText {
    /// What a secret is replaced with.
    static let placeholder = "<redacted>"
    /// Messages quote upstream text: at most this many characters.
    static let maxMessage = 600
    /// Upstream error codes and request IDs: at most this many characters.
    static let maxIdentifier = 100

    /// Without control characters (C0, DEL, C1, the Unicode line and
    /// paragraph separators): upstream text is quoted into log lines.
    package static func quote(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029: continue
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// At most `limit` characters, marked with `…` when cut.
    package static func cap(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    /// Every secret replaced, the longest first (so a secret that contains
    /// another is replaced whole).
    package static func scrub(_ text: String, removing secrets: [String]) -> String {
        var out = text
        for secret in Set(secrets).sorted(by: { $0.count > $1.count }) where !secret.isEmpty && out.contains(secret) {
            out = out.replacing(secret, with: placeholder)
        }
        return out
    }

    /// Quoted, scrubbed, then cut, in that order: a cut can never leave the
    /// first half of a secret behind. Empty is nil: a log line carries no `code=""`.
    static func bounded(_ text: String?, removing secrets: [String], limit: Int) -> String? {
        guard let text else { return nil }
        let quotedSecrets = secrets + secrets.map(quote)
        let out = cap(scrub(quote(text), removing: quotedSecrets), limit)
        return out.isEmpty ? nil : out
    }
}

extension ProviderError {
    /// The error as it may leave a provider: message, code and request ID
    /// quoted, scrubbed of `secrets` and cut to their bounds.
    package func bounded(removing secrets: [String]) -> ProviderError {
        var error = self
        error.message = UpstreamText.bounded(message, removing: secrets, limit: UpstreamText.maxMessage) ?? reason.rawValue
        error.code = UpstreamText.bounded(code, removing: secrets, limit: UpstreamText.maxIdentifier)
        error.requestID = UpstreamText.bounded(requestID, removing: secrets, limit: UpstreamText.maxIdentifier)
        return error
    }

    /// A transport failure of `what` sent to `url`: names the upstream by
    /// host and port, never by path or query.
    package init(_ error: TransportError, sending what: String, to url: HTTPURL) {
        self.init(FailureReason(error), message: "\(what) to \(url.bracketedHost):\(url.effectivePort) failed: \(error)")
    }

    /// The error with the `Retry-After` of the answer it was read from.
    package func retrying(after response: HTTPResponse, now: Double) -> ProviderError {
        var error = self
        error.retryAfter = RetryAfter.seconds(response.headers["retry-after"], now: now)
        return error
    }
}

extension FailureReason {
    /// The engine's reason for a transport failure: the transport knows
    /// nothing of accounts or reasons, the mapping lives here.
    package init(_ error: TransportError) {
        switch error {
        case .timeout: self = .timeout
        case .network, .cancelled: self = .network
        case .tls: self = .tls
        case .proxy: self = .proxy
        case .bodyTooLarge: self = .bad_response
        }
    }
}

extension HTTPTransport {
    /// Sends `request` to `url`, as a provider does: a transport failure
    /// becomes the provider error of `what` (`DescribeAccountBalance`,
    /// `token grant`), naming the upstream by host and port only.
    package func exchange(_ request: HTTPRequest, to url: HTTPURL, timeout: Double,
                          what: String) async throws(ProviderError) -> HTTPResponse {
        do {
            return try await send(request, to: url, timeout: timeout)
        } catch {
            throw ProviderError(error, sending: what, to: url)
        }
    }
}

/// One call a provider makes upstream: an HTTP request and the URL it goes
/// to, built by the provider's pure request builders and sent by
/// `HTTPTransport.exchange`.
package struct UpstreamCall: Sendable, Equatable {
    package var url: HTTPURL
    package var request: HTTPRequest

    package init(url: HTTPURL, request: HTTPRequest) {
        self.url = url
        self.request = request
    }

    /// `method` to `url`, its path and query as the target.
    package init(method: String, url: HTTPURL, headers: HTTPHeaders = [], body: [UInt8] = []) {
        self.init(url: url, request: HTTPRequest(method: method, url: url, headers: headers, body: body))
    }
}

extension HTTPTransport {
    /// `exchange(_:to:timeout:what:)` for a built call.
    package func exchange(_ call: UpstreamCall, timeout: Double, what: String) async throws(ProviderError) -> HTTPResponse {
        try await exchange(call.request, to: call.url, timeout: timeout, what: what)
    }
}
