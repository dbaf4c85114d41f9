/// HTTP statuses an Alibaba Cloud answer is decoded with: the first input
/// byte picks one, so success, gateway errors and proxy pages are reached.
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceHTTP

private let alibabaStatuses = [200, 200, 200, 200, 400, 403, 404, 500, 429, 502, 503, 204, 301, 0, 999, 200]

/// What the parsers are told to scrub; seeds carry it in upstream texts.
private let alibabaSecret = "fuzz-alibaba-secret-0123456789"

/// `AlibabaBalance.parse` and the mapping: a QueryAccountBalance answer (or
/// whatever a gateway put in its place). Input: a status byte, the
/// `x-acs-retry-after` value up to a NUL byte, then the body. A success has
/// a finite balance, at most the five documented fields, finite, and a
/// short printable currency, and renders as UTF-8; a failure is bounded.
func fuzzAlibabaBalance(_ bytes: [UInt8]) -> CInt {
    var input = FuzzInput(bytes)
    let status = alibabaStatuses[Int(input.byte()) % alibabaStatuses.count]
    let retry = String(decoding: input.field(), as: UTF8.self)
    let response = HTTPResponse(status: status, headers: ["x-acs-retry-after": retry], body: input.remaining())
    do {
        let balance = try AlibabaBalance.parse(response, now: 1_800_000_000, removing: [alibabaSecret])
        fuzzRequire((200..<300).contains(status), "a balance read from HTTP \(status)")
        if let currency = balance.currency {
            fuzzRequire(!currency.isEmpty && currency.count <= AlibabaBalance.maxCurrencyLength, "currency \(currency.debugDescription)")
            fuzzRequire(!currency.unicodeScalars.contains { $0.value < 0x20 }, "control character in the currency")
        }
        let reading = AlibabaBalanceMapping.reading(balance, uin: "1968132000120001")
        fuzzRequire(reading.available.isFinite, "available \(reading.available)")
        fuzzRequire(reading.fields.count <= AlibabaMetrics.fields.count, "\(reading.fields.count) samples")
        for field in reading.fields { fuzzRequire(field.value.isFinite, "\(field.descriptor.name) = \(field.value)") }
        var families = reading.fields.map { MetricFamily($0.descriptor, samples: [Sample(labels: [Label("uin", "u")], value: $0.value)]) }
        families.append(MetricFamily(Catalog.available, samples: [Sample(labels: [Label("uin", "u")], value: reading.available)]))
        for format in [ExpositionFormat.text004, .openMetrics100] {
            var buffer: [UInt8] = []
            format.render(families, into: &buffer)
            fuzzRequire(String(validating: buffer, as: UTF8.self) != nil, "\(format) output is not UTF-8")
        }
    } catch {
        checkAlibabaError(error, status: status)
    }
    return 0
}

/// The credential and identity parsers: the second byte picks one of
/// `GetCallerIdentity`, `AssumeRole`, the ECS metadata token, role listing
/// and credentials, or a credentials-file profile; the rest is the body.
/// What they return is non-empty and has a finite expiry; what they throw
/// is bounded.
func fuzzAlibabaCredentials(_ bytes: [UInt8]) -> CInt {
    var input = FuzzInput(bytes)
    let status = alibabaStatuses[Int(input.byte()) % alibabaStatuses.count]
    let parser = input.byte() % 6
    let body = input.remaining()
    let response = HTTPResponse(status: status, body: body)
    let role = AlibabaRole(arn: "acs:ram::1:role/r", sessionName: "s", durationSeconds: 900)
    do throws(ProviderError) {
        switch parser {
        case 0:
            let identity = try AlibabaSTS.identity(response, now: 0, removing: [alibabaSecret])
            fuzzRequire(!identity.accountID.isEmpty, "empty AccountId")
            fuzzRequire(!identity.accountID.unicodeScalars.contains { $0.value < 0x20 }, "control character in the uin")
        case 1:
            checkAlibabaCredentials(try AlibabaSTS.assumedRole(response, role: role, now: 0, removing: [alibabaSecret]))
        case 2:
            let token = try AlibabaInstanceMetadata.token(response)
            fuzzRequire(!token.isEmpty && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "token unfit for a header")
        case 3:
            fuzzRequire(AlibabaInstanceMetadata.isRoleName(try AlibabaInstanceMetadata.roleName(response)), "not a role name")
        case 4:
            checkAlibabaCredentials(try AlibabaInstanceMetadata.credentials(response, role: "r"))
        default:
            let text = String(decoding: body, as: UTF8.self)
            if case .accessKey(let credentials)? = try AlibabaCredentialSources.profile(fromINI: text, path: "p", name: "default") {
                fuzzRequire(!credentials.accessKeyId.isEmpty && !credentials.accessKeySecret.isEmpty, "empty key from the file")
            }
        }
    } catch {
        // Only the STS parsers are given a secret to scrub: the metadata answers and the file carry none of ours.
        checkAlibabaError(error, status: status, scrubbed: parser < 2)
    }
    return 0
}

private func checkAlibabaCredentials(_ credentials: AlibabaCredentials) {
    fuzzRequire(!credentials.accessKeyId.isEmpty && !credentials.accessKeySecret.isEmpty, "empty key")
    fuzzRequire(credentials.securityToken.map { !$0.isEmpty } ?? false, "temporary credentials without a token")
    fuzzRequire(credentials.expiresAt.map(\.isFinite) ?? false, "expiry \(String(describing: credentials.expiresAt))")
    fuzzRequire(!"\(credentials)".contains(credentials.accessKeySecret), "the description shows the secret")
}

/// The parsers' errors leave bounded: short, without control characters
/// (nor the secret, when `scrubbed`), never an empty field; a 429 is never a
/// mere `http_status`; a retry delay is a real non-negative number.
private func checkAlibabaError(_ error: ProviderError, status: Int, scrubbed: Bool = true) {
    fuzzRequire(!error.message.isEmpty, "error without a message")
    fuzzRequire(!(status == 429 && error.reason == .http_status), "HTTP 429 reported as http_status")
    fuzzRequire(error.message.count <= UpstreamText.maxMessage + 1, "message of \(error.message.count) characters")
    for text in [error.code, error.requestID].compactMap({ $0 }) {
        fuzzRequire(!text.isEmpty && text.count <= UpstreamText.maxIdentifier + 1, "code or request ID of \(text.count) characters")
    }
    for text in [error.message, error.code ?? "", error.requestID ?? ""] {
        fuzzRequire(!scrubbed || !text.contains(alibabaSecret), "secret leaked: \(text)")
        fuzzRequire(!text.unicodeScalars.contains(where: { $0.value < 0x20 }), "control character in \(text.debugDescription)")
    }
    if let delay = error.retryAfter { fuzzRequire(delay >= 0, "retry after \(delay)") }
}
