import Synchronization

/// The values that must never leave the process: the client secret and every
/// recent access and refresh token. Every error the client throws passes
/// through `scrub`, so an upstream that echoes a credential in its
/// `detailMessage` (or its `code`) cannot leak it into logs or metrics.
final class YeastarSecrets: Sendable {
    static let placeholder = "<redacted>"
    /// Tokens rotate; older ones are kept a while in case the upstream quotes one.
    static let rememberedTokens = 8

    private let clientSecret: String
    private let tokens: Mutex<[String]>

    init(clientSecret: String) {
        self.clientSecret = clientSecret
        self.tokens = Mutex([])
    }

    func remember(_ token: YeastarToken) {
        var fresh = [token.token]
        if let refresh = token.refreshToken { fresh.append(refresh) }
        // A quoted fragment of a JWT (its signature alone) is a leak too.
        for value in fresh where value.contains(".") {
            fresh += value.split(separator: ".").filter { $0.count >= 16 }.map(String.init)
        }
        tokens.withLock { list in
            list.removeAll(where: fresh.contains)
            list.insert(contentsOf: fresh, at: 0)
            if list.count > Self.rememberedTokens * 6 { list.removeLast(list.count - Self.rememberedTokens * 6) }
        }
    }

    /// Upstream text quoted in an error is capped at these lengths, after
    /// scrubbing.
    static let maxMessage = 600
    static let maxCode = 100

    func scrub(_ text: String) -> String {
        var values = tokens.withLock { $0 } + [clientSecret]
        values += values.map(YeastarForm.escape)
        var out = text
        for value in Set(values).sorted(by: { $0.count > $1.count }) where !value.isEmpty {
            out = out.replacing(value, with: Self.placeholder)
        }
        return out
    }

    func scrub(_ error: ProviderError) -> ProviderError {
        ProviderError(error.reason, code: error.code.map { yeastarCap(scrub($0), Self.maxCode) },
                      message: yeastarCap(scrub(error.message), Self.maxMessage),
                      requestID: error.requestID.map { yeastarCap(scrub($0), Self.maxCode) })
    }
}
