import BalanceCore
import BalanceHTTP
import BalanceSupport
import Synchronization

/// The values that must never leave the process: the client secret and every
/// recent access and refresh token. Every error the client throws passes
/// through `scrub`, so an upstream that echoes a credential in its
/// `detailMessage` (or its `code`) cannot leak it into logs or metrics.
/// Scrubbing and bounds are the providers' shared ones (`UpstreamText`).
final class YeastarSecrets: Sendable {
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

    /// The secrets to remove: every remembered token, the client secret, and
    /// their form-encoded forms (the token endpoint's body is a form).
    private var values: [String] {
        let raw = tokens.withLock { $0 } + [clientSecret]
        return raw + raw.map(FormCoding.escape)
    }

    func scrub(_ text: String) -> String {
        UpstreamText.scrub(text, removing: values)
    }

    /// The error scrubbed and bounded (`ProviderError.bounded(removing:)`).
    func scrub(_ error: ProviderError) -> ProviderError {
        error.bounded(removing: values)
    }
}
