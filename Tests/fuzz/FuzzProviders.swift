/// HTTP statuses an upstream answer is decoded with: the first input byte
/// picks one, so success and error mappings are both reached.
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceTencentCloud
@testable import BalanceYeastar

private let upstreamStatuses = [200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 204, 301, 0, 999]

private func statusAndBody(_ bytes: [UInt8]) -> (status: Int, body: [UInt8]) {
    var input = FuzzInput(bytes)
    let status = upstreamStatuses[Int(input.byte()) % upstreamStatuses.count]
    return (status, input.remaining())
}

/// `TencentBalanceMapping.reading(status:body:)`: a DescribeAccountBalance
/// answer (or whatever a proxy put in its place). Success gives finite
/// samples only, a bounded number of them; failure is a `ProviderError`
/// that the client's bounds make short and secret-free.
func fuzzTencentBalance(_ bytes: [UInt8]) -> CInt {
    let (status, body) = statusAndBody(bytes)
    do {
        let reading = try TencentBalanceMapping.reading(status: status, body: body)
        fuzzRequire(reading.available.isFinite, "available \(reading.available)")
        if let uin = reading.uin { fuzzRequire(!uin.isEmpty, "empty uin") }
        let most = TencentBalanceMapping.amountFields.count + TencentBalanceMapping.flagFields.count
            + 3 * TencentBalanceMapping.maxTemporaryCredits
        fuzzRequire(reading.fields.count <= most, "\(reading.fields.count) samples")
        for field in reading.fields {
            fuzzRequire(field.value.isFinite, "\(field.descriptor.name) = \(field.value)")
        }
        checkRenders(reading.bounded())
    } catch {
        checkBounded(error, status: status)
    }
    return 0
}

/// `YeastarTokenResponse.interpret`: the token endpoint's answer. A token
/// obtained has a positive, finite lifetime that is refreshed before it
/// ends and that fits the whole-seconds log field the token manager writes.
func fuzzYeastarToken(_ bytes: [UInt8]) -> CInt {
    let (status, body) = statusAndBody(bytes)
    let now = 1_800_000_000.0
    switch Result(catching: { () throws(ProviderError) in
        try YeastarTokenResponse.interpret(HTTPResponse(status: status, body: body), now: now,
                                           previousRefreshToken: "previous", what: "token grant")
    }) {
    case .success(let token):
        fuzzRequire(!token.token.isEmpty, "empty token")
        let lifetime = token.expiresAt - token.obtainedAt
        fuzzRequire(lifetime.isFinite && lifetime > 0, "lifetime \(lifetime)")
        fuzzRequire(token.refreshAt > token.obtainedAt && token.refreshAt <= token.expiresAt, "refreshAt outside the lifetime")
        // YeastarTokenManager.install logs String(Int(lifetime.rounded())).
        fuzzRequire(Int(exactly: lifetime.rounded()) != nil, "lifetime \(lifetime) does not fit Int")
        // It goes into the Authorization header of every balance call.
        fuzzRequire(!YeastarTokenResponse.hasControlCharacters(token.authorization), "control character in the Authorization header")
    case .failure(let error):
        checkBounded(error, status: status)
    }
    return 0
}

/// `YeastarBalanceResponse.interpret`: the balance endpoint's answer.
func fuzzYeastarBalance(_ bytes: [UInt8]) -> CInt {
    let (status, body) = statusAndBody(bytes)
    switch Result(catching: { () throws(YeastarBalanceFailure) in try YeastarBalanceResponse.interpret(HTTPResponse(status: status, body: body)) }) {
    case .success(let amount):
        fuzzRequire(amount.isFinite, "balance \(amount)")
        fuzzRequire((200..<300).contains(status), "balance read from HTTP \(status)")
    case .failure(let failure):
        checkBounded(failure.providerError, status: status)
    }
    return 0
}

/// Both clients pass every error through `ProviderError.bounded(removing:)`
/// before anyone sees it: after that, bounded, free of the secret, without
/// control characters or empty fields. A 429 is never a mere `http_status`.
private func checkBounded(_ error: ProviderError, status: Int) {
    fuzzRequire(!error.message.isEmpty, "error without a message")
    fuzzRequire(!(status == 429 && error.reason == .http_status), "HTTP 429 reported as http_status")
    let secret = "fuzz-client-secret-0123456789"
    let bounded = error.bounded(removing: [secret])
    fuzzRequire(bounded.message.count <= UpstreamText.maxMessage + 1, "message of \(bounded.message.count) characters")
    for text in [bounded.code, bounded.requestID].compactMap({ $0 }) {
        fuzzRequire(!text.isEmpty && text.count <= UpstreamText.maxIdentifier + 1, "code or request ID of \(text.count) characters")
    }
    for text in [bounded.message, bounded.code ?? "", bounded.requestID ?? ""] {
        fuzzRequire(!text.contains(secret), "secret leaked: \(text)")
        fuzzRequire(!text.unicodeScalars.contains(where: { $0.value < 0x20 }), "control character in \(text.debugDescription)")
    }
}

/// The reading through the exposition writers, as a scrape would render it.
private func checkRenders(_ reading: BalanceReading) {
    let base = [Label("provider", "tencentcloud"), Label("uin", reading.uin ?? "fuzz")]
    var families = reading.fields.map { MetricFamily($0.descriptor, samples: [Sample(labels: base + $0.labels, value: $0.value)]) }
    families.append(MetricFamily(Catalog.available, samples: [Sample(labels: base, value: reading.available)]))
    for label in families.flatMap(\.samples).flatMap(\.labels) {
        fuzzRequire(label.value.count <= BalanceReading.maxLabelValueLength, "label value of \(label.value.count) characters")
    }
    for format in [ExpositionFormat.text004, .openMetrics100] {
        var buffer: [UInt8] = []
        format.render(families, into: &buffer)
        fuzzRequire(String(validating: buffer, as: UTF8.self) != nil, "\(format) output is not UTF-8")
    }
}
