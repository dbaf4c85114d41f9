import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Why a balance call's answer holds no balance.
enum YeastarBalanceFailure: Error, Sendable, Equatable {
    /// The access token was refused: get a new one and retry once. The error
    /// is what to report if the retry is refused too.
    case tokenRejected(ProviderError)
    case failed(ProviderError)

    var providerError: ProviderError {
        switch self {
        case .tokenRejected(let error), .failed(let error): return error
        }
    }
}

/// Interprets `GET /user/openapi/user/v1/client/account_balance`.
///
/// The code and status of an expired token are not documented, so a token
/// counts as refused on HTTP 401/403, on a body `status` of 401/403, or on a
/// non-success code that names the token
/// (`YeastarErrorCode.isTokenProblem`). Any other non-success `code` is a
/// failure carrying that code.
enum YeastarBalanceResponse {
    /// `result.accountBalance`, major currency units.
    static func interpret(_ response: HTTPResponse) throws(YeastarBalanceFailure) -> Double {
        let envelope = YeastarEnvelope.parse(response.body)
        let statuses = envelope?.statuses(response) ?? [response.status]
        let requestID = envelope?.requestID
        let failedEnvelope = envelope.flatMap { $0.isSuccess ? nil : $0 }

        let refusedByStatus = statuses.contains(401) || statuses.contains(403)
        let refusedByCode = failedEnvelope.map { YeastarErrorCode.isTokenProblem($0.code) } ?? false
        if refusedByStatus || refusedByCode {
            // A persistent 403 that does not name the token is most likely the
            // portal's client IP restriction: a permission problem.
            let reason: FailureReason = statuses.contains(403) && !statuses.contains(401) && !refusedByCode ? .permission : .auth
            let detail = failedEnvelope.map { YeastarTokenResponse.detail($0) } ?? "HTTP \(response.status)"
            throw .tokenRejected(ProviderError(reason, code: failedEnvelope?.code,
                                                message: "balance request: access token refused (\(detail))",
                                                requestID: requestID))
        }
        if let failedEnvelope {
            throw .failed(ProviderError(YeastarErrorCode.reason(forCode: failedEnvelope.code, statuses: statuses),
                                         code: failedEnvelope.code,
                                         message: "balance request refused: \(YeastarTokenResponse.detail(failedEnvelope))",
                                         requestID: requestID))
        }
        guard (200..<300).contains(response.status) else {
            throw .failed(ProviderError(YeastarErrorCode.reason(forHTTPStatus: response.status),
                                         message: "balance request failed: HTTP \(response.status)", requestID: requestID))
        }
        guard envelope != nil else {
            throw .failed(ProviderError(.bad_response, message: "balance request: the body is not a Yeastar JSON envelope (\(response.body.count) bytes)"))
        }
        guard let amount = envelope?.result?["accountBalance"]?.yeastarNumber else {
            throw .failed(ProviderError(.bad_response, message: "balance request: the success response has no numeric result.accountBalance",
                                         requestID: requestID))
        }
        return amount
    }
}
