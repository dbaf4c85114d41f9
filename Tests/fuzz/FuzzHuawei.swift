/// The Huawei Cloud answers, as parsed before anyone sees them: the balance
/// answer through its mapping, IAM's domains and the ECS metadata keys.

/// HTTP statuses an answer arrives with: the first input byte picks one.
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud

private let huaweiStatuses = [200, 200, 200, 200, 201, 400, 401, 403, 404, 429, 500, 502, 504, 301, 0, 999]
private let huaweiSecret = "fuzz-secret-key-0123456789"
private let huaweiDomainId = "0123456789abcdef0123456789abcdef"
private let huaweiNow = 1_800_000_000.0

/// Byte 0: the status; byte 1: which headers came (bit 0 a `Date`, bit 1 a
/// `Retry-After`, bit 2 an `X-Request-Id`) and, for `huawei_credentials`,
/// which parser (bit 7); the rest is the body.
private func huaweiAnswer(_ bytes: [UInt8]) -> (response: HTTPResponse, choice: UInt8) {
    var input = FuzzInput(bytes)
    let status = huaweiStatuses[Int(input.byte()) % huaweiStatuses.count]
    let choice = input.byte()
    var headers: HTTPHeaders = [:]
    if choice & 1 != 0 { headers["date"] = "Fri, 15 Jan 2027 08:16:40 GMT" }
    if choice & 2 != 0 { headers["retry-after"] = "5" }
    if choice & 4 != 0 { headers["x-request-id"] = "fuzz-request-\(huaweiSecret)" }
    return (HTTPResponse(status: status, headers: headers, body: input.remaining()), choice)
}

private let huaweiExchange = HuaweiResponse.Exchange(endpoint: HTTPURL(string: "https://bss.myhuaweicloud.com")!,
                                                     now: huaweiNow, secrets: [huaweiSecret])

/// `HuaweiBalanceMapping.balance`: a reading only from a 2xx answer, finite,
/// one series per family and account type, the balance entry's amount as
/// `available`; otherwise a bounded, secret-free error.
func fuzzHuaweiBalance(_ bytes: [UInt8]) -> CInt {
    let (response, _) = huaweiAnswer(bytes)
    do {
        let balance = try HuaweiBalanceMapping.balance(response, huaweiExchange, domainId: huaweiDomainId)
        let reading = balance.reading
        fuzzRequire((200..<300).contains(response.status), "a reading from HTTP \(response.status)")
        fuzzRequire(reading.available.isFinite, "available \(reading.available)")
        fuzzRequire(reading.uin == huaweiDomainId, "uin \(reading.uin ?? "nil")")
        var series = Set<[String]>()
        for field in reading.fields {
            fuzzRequire(field.value.isFinite, "\(field.descriptor.name) = \(field.value)")
            fuzzRequire(HuaweiMetrics.all.contains(field.descriptor), "foreign family \(field.descriptor.name)")
            let key = [field.descriptor.name] + field.labels.flatMap { [$0.name, $0.value] }
            fuzzRequire(series.insert(key).inserted, "two series \(key)")
            fuzzRequire(field.labels.allSatisfy { $0.name == HuaweiBalanceMapping.accountTypeLabel && !$0.value.isEmpty && $0.value.count <= 20 },
                        "labels \(field.labels)")
        }
        let balanceAmount = reading.fields.first { $0.descriptor == HuaweiMetrics.accountAmount && $0.labels == [Label("account_type", "balance")] }
        fuzzRequire(balanceAmount?.value == reading.available, "available is not the balance entry's amount")
        if let currency = balance.currency {
            fuzzRequire(HuaweiBalanceMapping.currencyCode(currency) == currency, "currency \(currency.debugDescription)")
        }
    } catch {
        checkHuaweiError(error, status: response.status)
    }
    return 0
}

/// `HuaweiIdentityResponse.parse` (bit 7 of byte 1 clear) or
/// `HuaweiMetadataCredentials` (set): a domain id that is an identifier, keys
/// that are complete with a finite expiry, a session token without spaces.
func fuzzHuaweiCredentials(_ bytes: [UInt8]) -> CInt {
    let (response, choice) = huaweiAnswer(bytes)
    if choice & 0x80 == 0 {
        do {
            let identity = try HuaweiIdentityResponse.parse(response, huaweiExchange)
            fuzzRequire((200..<300).contains(response.status), "a domain from HTTP \(response.status)")
            fuzzRequire(HuaweiIdentityResponse.isDomainId(identity.domainId), "domain id \(identity.domainId.debugDescription)")
        } catch {
            checkHuaweiError(error, status: response.status)
        }
        return 0
    }
    if let token = HuaweiMetadataCredentials.sessionToken(response) {
        fuzzRequire(!token.isEmpty && !token.contains(" ") && token.utf8.count <= 4096, "session token \(token.debugDescription)")
    }
    do {
        let credentials = try HuaweiMetadataCredentials.parse(response, huaweiExchange)
        fuzzRequire((200..<300).contains(response.status), "keys from HTTP \(response.status)")
        fuzzRequire(!credentials.accessKey.isEmpty && !credentials.secretKey.isEmpty && credentials.securityToken?.isEmpty == false,
                    "incomplete keys")
        fuzzRequire(credentials.expiresAt?.isFinite == true, "expiry \(String(describing: credentials.expiresAt))")
    } catch {
        checkHuaweiError(error, status: response.status)
    }
    return 0
}

/// The parsers bound their errors themselves: as returned, short, with a
/// message, free of the secret and of control characters; HTTP 429 is
/// throttling, and a 2xx answer is never an HTTP status failure.
private func checkHuaweiError(_ error: ProviderError, status: Int) {
    fuzzRequire(!error.message.isEmpty, "error without a message")
    fuzzRequire(error.message.count <= UpstreamText.maxMessage + 1, "message of \(error.message.count) characters")
    fuzzRequire(!(status == 429 && error.reason != .throttled), "HTTP 429 reported as \(error.reason)")
    fuzzRequire(!((200..<300).contains(status) && error.reason == .http_status), "HTTP \(status) reported as http_status")
    for text in [error.code, error.requestID].compactMap({ $0 }) {
        fuzzRequire(!text.isEmpty && text.count <= UpstreamText.maxIdentifier + 1, "code or request ID of \(text.count) characters")
    }
    for text in [error.message, error.code ?? "", error.requestID ?? ""] {
        fuzzRequire(!text.contains(huaweiSecret), "secret leaked: \(text)")
        fuzzRequire(!text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }), "control character in \(text.debugDescription)")
    }
}
