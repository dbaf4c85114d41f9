/// The first input byte picks the HTTP status the Volcengine answer came
/// with, so success, error envelopes and bare statuses are all reached.
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceVolcengine

private let volcengineStatuses = [200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 204, 301, 0, 999]
private let volcengineSecret = "fuzz-volcengine-secret-0123456789"

private func volcengineResponse(_ bytes: [UInt8]) -> HTTPResponse {
    var input = FuzzInput(bytes)
    let status = volcengineStatuses[Int(input.byte()) % volcengineStatuses.count]
    return HTTPResponse(status: status, headers: ["retry-after": "5"], body: input.remaining())
}

/// `VolcengineBalanceMapping.balance` and `.reading`: a QueryBalanceAcct
/// answer (or whatever a proxy put in its place). A balance only from a 2xx
/// answer, with finite samples of the documented fields only, a digits-only
/// uin and a short currency; a failure already bounded by the parser.
func fuzzVolcengineBalance(_ bytes: [UInt8]) -> CInt {
    let response = volcengineResponse(bytes)
    do {
        let balance = try VolcengineBalanceMapping.balance(response, now: 1_800_000_000, secrets: [volcengineSecret])
        fuzzRequire((200..<300).contains(response.status), "a balance from HTTP \(response.status)")
        let reading = VolcengineBalanceMapping.reading(balance)
        fuzzRequire(reading.available.isFinite, "available \(reading.available)")
        fuzzRequire(reading.fields.first == FieldSample(VolcengineMetrics.availableBalance, reading.available), "available is not the first sample")
        let documented = VolcengineBalanceMapping.amountFields.map(\.descriptor)
        fuzzRequire(reading.fields.count <= documented.count, "\(reading.fields.count) samples")
        for field in reading.fields {
            fuzzRequire(field.value.isFinite && documented.contains(field.descriptor) && field.labels.isEmpty, "sample \(field)")
        }
        if let uin = reading.uin {
            fuzzRequire(!uin.isEmpty && uin.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }, "uin \(uin.debugDescription)")
        }
        if let currency = balance.currency {
            fuzzRequire(!currency.isEmpty && currency.count <= VolcengineBalanceMapping.maxCurrencyLength
                        && !currency.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }), "currency \(currency.debugDescription)")
        }
    } catch {
        checkVolcengineBounded(error, status: response.status)
    }
    return 0
}

/// `VolcengineAssumeRole.credentials`: the STS answer. Credentials only from
/// a 2xx answer, complete, with a finite expiry.
func fuzzVolcengineSTS(_ bytes: [UInt8]) -> CInt {
    let response = volcengineResponse(bytes)
    let role = VolcengineRole(trn: "trn:iam::2100000000:role/reader", sessionName: "fuzz")
    do {
        let credentials = try VolcengineAssumeRole.credentials(response, role: role, now: 1_800_000_000, secrets: [volcengineSecret])
        fuzzRequire((200..<300).contains(response.status), "credentials from HTTP \(response.status)")
        fuzzRequire(!credentials.accessKeyId.isEmpty && !credentials.secretAccessKey.isEmpty && credentials.sessionToken?.isEmpty == false,
                    "incomplete credentials")
        fuzzRequire(credentials.expiresAt?.isFinite == true, "expiry \(String(describing: credentials.expiresAt))")
    } catch {
        fuzzRequire(error.message.hasPrefix("STS AssumeRole: "), "unnamed STS failure: \(error.message)")
        checkVolcengineBounded(error, status: response.status)
    }
    return 0
}

/// The parsers bound every failure themselves: short fields, no secret, no
/// control characters, no empty code or request ID; a 2xx answer is never a
/// bare `http_status`, a 429 never anything but throttling or an upstream code.
private func checkVolcengineBounded(_ error: ProviderError, status: Int) {
    fuzzRequire(!error.message.isEmpty && error.message.count <= UpstreamText.maxMessage + 1, "message of \(error.message.count) characters")
    for text in [error.code, error.requestID].compactMap({ $0 }) {
        fuzzRequire(!text.isEmpty && text.count <= UpstreamText.maxIdentifier + 1, "code or request ID of \(text.count) characters")
    }
    for text in [error.message, error.code ?? "", error.requestID ?? ""] {
        fuzzRequire(!text.contains(volcengineSecret), "secret leaked: \(text)")
        fuzzRequire(!text.unicodeScalars.contains(where: { $0.value < 0x20 }), "control character in \(text.debugDescription)")
    }
    fuzzRequire(!(status == 429 && error.reason != .throttled && error.reason != .auth && error.reason != .permission
                  && error.reason != .clock), "HTTP 429 reported as \(error.reason)")
    fuzzRequire(!((200..<300).contains(status) && error.reason == .http_status), "HTTP \(status) reported as http_status")
    fuzzRequire(error.retryAfter == 5, "Retry-After lost")
}
