/// Interprets the token endpoint's answer (grant or refresh). Pure: the
/// response and the current time in, a token or a `ProviderError` out.
///
/// Mapping (UPSTREAMS.md §2): a non-success `code` → `.auth` when it looks like
/// a credential problem, else by its words (`YeastarErrorCode`), carrying the
/// code; HTTP 401 / 403 / 429 without an envelope → `.auth` / `.permission` / `.throttled`; 5xx and
/// other statuses without an envelope → `.http_status`; a 2xx body that is
/// not the documented envelope → `.bad_response`. Messages quote the upstream's
/// `detailMessage`; the caller scrubs secrets from every error it throws.
enum YeastarTokenResponse {
    static func interpret(_ response: UpstreamResponse, now: Double, previousRefreshToken: String?,
                          what: String) -> Result<YeastarToken, ProviderError> {
        let envelope = YeastarEnvelope.parse(response.body)
        if let envelope, !envelope.isSuccess {
            let reason = YeastarErrorCode.reason(forCode: envelope.code, statuses: envelope.statuses(response))
            return .failure(ProviderError(reason, code: yeastarQuote(envelope.code),
                                          message: "\(what) refused: \(detail(envelope))",
                                          requestID: envelope.requestID.map { yeastarQuote($0) }))
        }
        guard (200..<300).contains(response.status) else {
            return .failure(ProviderError(YeastarErrorCode.reason(forHTTPStatus: response.status),
                                          message: "\(what) failed: HTTP \(response.status)"))
        }
        guard let envelope else {
            return .failure(ProviderError(.bad_response, message: "\(what) failed: the body is not a Yeastar JSON envelope (\(response.body.count) bytes)"))
        }
        let requestID = envelope.requestID.map { yeastarQuote($0) }
        guard let result = envelope.result, let token = result["token"]?.string, !token.isEmpty else {
            return .failure(ProviderError(.bad_response, message: "\(what) failed: the success response has no result.token",
                                          requestID: requestID))
        }
        let claims = YeastarJWTClaims.parse(token)
        let lifetime = YeastarToken.lifetime(expiresIn: result["expiresIn"]?.yeastarNumber, jwtExpiry: claims?.expiresAt, now: now)
        var refreshToken = result["refreshToken"]?.string
        if refreshToken?.isEmpty ?? true { refreshToken = previousRefreshToken }
        return .success(YeastarToken(
            token: token, tokenHead: result["tokenHead"]?.string, refreshToken: refreshToken,
            obtainedAt: now, expiresAt: now + lifetime, refreshAt: now + lifetime * YeastarToken.refreshFraction,
            userID: claims?.userID))
    }

    static func detail(_ envelope: YeastarEnvelope) -> String {
        let quoted = yeastarQuote(envelope.detailMessage ?? "")
        let code = yeastarQuote(envelope.code)
        return quoted.isEmpty ? "code \(code)" : "code \(code): \(quoted)"
    }
}
