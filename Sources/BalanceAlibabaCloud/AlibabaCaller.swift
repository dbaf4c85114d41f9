import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Signs and sends one RPC call through the injected transport: the I/O edge
/// of every Alibaba Cloud call (balance, `GetCallerIdentity`, `AssumeRole`).
/// Each call is signed anew with the clock's time and a fresh random nonce:
/// the gateway accepts each `x-acs-signature-nonce` once and `x-acs-date`
/// only within 15 minutes, so a retry can never resend a signed request.
struct AlibabaCaller: Sendable {
    let transport: any HTTPTransport
    let clock: any WallClock
    let timeout: Double
    let userAgent: String

    /// `build` gets the Unix time and the nonce to sign with.
    func send(_ what: String, _ build: (_ timestamp: Int, _ nonce: String) -> AlibabaRequest) async throws(ProviderError) -> HTTPResponse {
        var random = SystemRandomNumberGenerator()
        let request = build(Int(clock.now()), AlibabaNonce.make(using: &random))
        return try await transport.exchange(request.call, timeout: timeout, what: what)
    }
}
