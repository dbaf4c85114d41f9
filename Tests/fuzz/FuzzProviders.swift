/// HTTP statuses an upstream answer is decoded with: the first input byte
/// picks one, so success and error mappings are both reached.
private let upstreamStatuses = [200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 204, 301, 0, 999]

private func statusAndBody(_ bytes: [UInt8]) -> (status: Int, body: [UInt8]) {
    var input = FuzzInput(bytes)
    let status = upstreamStatuses[Int(input.byte()) % upstreamStatuses.count]
    return (status, input.remaining())
}

/// `TencentBalanceMapping.reading(status:body:)`: a DescribeAccountBalance
/// answer (or whatever a proxy put in its place). Success gives finite
/// samples only; failure is a `ProviderError` with a bounded message.
func fuzzTencentBalance(_ bytes: [UInt8]) -> CInt {
    let (status, body) = statusAndBody(bytes)
    do {
        let reading = try TencentBalanceMapping.reading(status: status, body: body)
        if let available = reading.available { fuzzRequire(available.isFinite, "available \(available)") }
        if let uin = reading.uin { fuzzRequire(!uin.isEmpty, "empty uin") }
        for field in reading.fields {
            fuzzRequire(field.value.isFinite, "\(field.descriptor.name) = \(field.value)")
        }
        checkRenders(reading)
    } catch {
        checkProviderError(error)
    }
    return 0
}

/// `YeastarTokenResponse.interpret`: the token endpoint's answer. A token
/// obtained has a positive, finite lifetime that is refreshed before it
/// ends and that fits the whole-seconds log field the token manager writes.
func fuzzYeastarToken(_ bytes: [UInt8]) -> CInt {
    let (status, body) = statusAndBody(bytes)
    let now = 1_800_000_000.0
    switch YeastarTokenResponse.interpret(UpstreamResponse(status: status, body: body), now: now,
                                          previousRefreshToken: "previous", what: "token grant") {
    case .success(let token):
        fuzzRequire(!token.token.isEmpty, "empty token")
        let lifetime = token.expiresAt - token.obtainedAt
        fuzzRequire(lifetime.isFinite && lifetime > 0, "lifetime \(lifetime)")
        fuzzRequire(token.refreshAt > token.obtainedAt && token.refreshAt <= token.expiresAt, "refreshAt outside the lifetime")
        // YeastarTokenManager.install logs String(Int(lifetime.rounded())).
        fuzzRequire(Int(exactly: lifetime.rounded()) != nil, "lifetime \(lifetime) does not fit Int")
        _ = token.authorization
    case .failure(let error):
        checkYeastarError(error)
    }
    return 0
}

/// `YeastarBalanceResponse.interpret`: the balance endpoint's answer.
func fuzzYeastarBalance(_ bytes: [UInt8]) -> CInt {
    let (status, body) = statusAndBody(bytes)
    switch YeastarBalanceResponse.interpret(UpstreamResponse(status: status, body: body)) {
    case .balance(let amount):
        fuzzRequire(amount.isFinite, "balance \(amount)")
        fuzzRequire((200..<300).contains(status), "balance read from HTTP \(status)")
    case .tokenRejected(let error), .failed(let error):
        checkYeastarError(error)
    }
    return 0
}

private func checkProviderError(_ error: ProviderError) {
    fuzzRequire(!error.message.isEmpty, "error without a message")
    // Upstream text is quoted into log lines: bounded in size.
    fuzzRequire(error.message.count <= 201 + 100, "message of \(error.message.count) characters")
}

/// The Yeastar client passes every error through `YeastarSecrets.scrub`
/// before anyone sees it: after that, bounded and free of the secret.
private func checkYeastarError(_ error: ProviderError) {
    fuzzRequire(!error.message.isEmpty, "error without a message")
    let secret = "fuzz-client-secret-0123456789"
    let scrubbed = YeastarSecrets(clientSecret: secret).scrub(error)
    fuzzRequire(scrubbed.message.count <= YeastarSecrets.maxMessage + 1, "message of \(scrubbed.message.count) characters")
    for text in [scrubbed.message, scrubbed.code ?? "", scrubbed.requestID ?? ""] {
        fuzzRequire(!text.contains(secret), "client secret leaked: \(text)")
        fuzzRequire(!text.unicodeScalars.contains(where: { $0.value < 0x20 }), "control character in \(text.debugDescription)")
    }
}

/// The reading through the exposition writers, as a scrape would render it.
private func checkRenders(_ reading: BalanceReading) {
    let base = [Label("provider", "tencentcloud"), Label("uin", reading.uin ?? "fuzz")]
    var families = reading.fields.map { MetricFamily($0.descriptor, samples: [Sample(labels: base + $0.labels, value: $0.value)]) }
    if let available = reading.available {
        families.append(MetricFamily(Catalog.available, samples: [Sample(labels: base, value: available)]))
    }
    for format in [ExpositionFormat.text004, .openMetrics100] {
        var buffer: [UInt8] = []
        format.render(families, into: &buffer)
        fuzzRequire(String(validating: buffer, as: UTF8.self) != nil, "\(format) output is not UTF-8")
    }
}
