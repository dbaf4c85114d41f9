import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Interprets the token endpoint's answer (grant or refresh). Pure: the
/// response and the current time in, a token or a `ProviderError` out.
///
/// Mapping: a non-success `code` → `.auth` when it looks like
/// a credential problem, else by its words (`YeastarErrorCode`), carrying the
/// code; HTTP 401 / 403 / 429 without an envelope → `.auth` / `.permission` / `.throttled`; 5xx and
/// other statuses without an envelope → `.http_status`; a 2xx body that is
/// not the documented envelope, or a token that could not be sent in a
/// header → `.bad_response`. Messages quote the upstream's `detailMessage`;
/// the caller scrubs and bounds every error it throws.
enum YeastarTokenResponse {
    static func interpret(_ response: HTTPResponse, now: Double, previousRefreshToken: String?,
                          what: String) throws(ProviderError) -> YeastarToken {
        let envelope = YeastarEnvelope.parse(response.body)
        if let envelope, !envelope.isSuccess {
            let reason = YeastarErrorCode.reason(forCode: envelope.code, statuses: envelope.statuses(response))
            throw ProviderError(reason, code: envelope.code, message: "\(what) refused: \(detail(envelope))",
                                requestID: envelope.requestID)
        }
        guard (200..<300).contains(response.status) else {
            throw ProviderError(YeastarErrorCode.reason(forHTTPStatus: response.status),
                                message: "\(what) failed: HTTP \(response.status)")
        }
        guard let envelope else {
            throw ProviderError(.bad_response, message: "\(what) failed: the body is not a Yeastar JSON envelope (\(response.body.count) bytes)")
        }
        let requestID = envelope.requestID
        guard let result = envelope.result, let token = result["token"]?.string, !token.isEmpty else {
            throw ProviderError(.bad_response, message: "\(what) failed: the success response has no result.token",
                                requestID: requestID)
        }
        let tokenHead = result["tokenHead"]?.string
        // Both go into the Authorization header: a CR or LF there would be
        // refused on every request until the token expired.
        guard !hasControlCharacters(token), !hasControlCharacters(tokenHead ?? "") else {
            throw ProviderError(.bad_response, message: "\(what) failed: result.token or result.tokenHead holds control characters",
                                requestID: requestID)
        }
        let claims = YeastarJWTClaims.parse(token)
        let lifetime = YeastarToken.lifetime(expiresIn: result["expiresIn"]?.yeastarNumber, jwtExpiry: claims?.expiresAt, now: now)
        var refreshToken = result["refreshToken"]?.string
        if refreshToken?.isEmpty ?? true { refreshToken = previousRefreshToken }
        return YeastarToken(
            token: token, tokenHead: tokenHead, refreshToken: refreshToken,
            obtainedAt: now, expiresAt: now + lifetime, refreshAt: now + lifetime * YeastarToken.refreshFraction,
            userID: claims?.userID)
    }

    static func detail(_ envelope: YeastarEnvelope) -> String {
        let quoted = UpstreamText.quote(envelope.detailMessage ?? "")
        let code = UpstreamText.quote(envelope.code)
        return quoted.isEmpty ? "code \(code)" : "code \(code): \(quoted)"
    }

    /// C0 controls and DEL: CR and LF would end the header line, and none
    /// of them belongs in a token (RFC 9110 §5.5 allows only tab in a field value).
    static func hasControlCharacters(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}
