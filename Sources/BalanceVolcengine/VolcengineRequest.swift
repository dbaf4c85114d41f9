import BalanceCore
import BalanceHTTP
import BalanceSupport

/// One signed Volcengine API request, exactly as it is sent, built purely:
/// the endpoint, credentials and timestamp come in as arguments.
package struct VolcengineRequest: Sendable {
    package var method: String
    /// The endpoint (its path at least `/`) with the canonical query (`?Action=...&Version=...`).
    package var url: HTTPURL
    /// In the order sent: `Host`, `Content-Type` (with a body), `User-Agent`
    /// (not signed), then the signature's `X-Date`, `X-Content-Sha256`,
    /// `X-Security-Token` (temporary credentials) and `Authorization`.
    package var headers: [(String, String)]
    package var body: [UInt8]
    package var signature: VolcengineSigner.Signature

    /// The canonical URI: the endpoint's path (`/` when it has none).
    package var path: String { url.path }
    package var query: String { url.query ?? "" }

    /// The call for the transport.
    package var call: UpstreamCall {
        UpstreamCall(method: method, url: url, headers: HTTPHeaders(headers), body: body)
    }

    /// `QueryBalanceAcct`, as the official SDKs send it: `POST` with
    /// `Content-Type: application/json` and the body `{}`.
    package static func queryBalance(endpoint: HTTPURL, region: String, credentials: VolcengineCredentials,
                                     timestamp: Int, userAgent: String) -> VolcengineRequest {
        make(method: "POST", endpoint: endpoint, region: region, service: Volcengine.billingService,
             query: [("Action", Volcengine.balanceAction), ("Version", Volcengine.balanceVersion)],
             contentType: "application/json", body: Array("{}".utf8),
             credentials: credentials, timestamp: timestamp, userAgent: userAgent)
    }

    /// STS `AssumeRole` (https://www.volcengine.com/docs/6257/86374): `GET`
    /// with the parameters in the query and no body, so no `Content-Type`.
    package static func assumeRole(endpoint: HTTPURL, region: String, role: VolcengineRole, credentials: VolcengineCredentials,
                                   timestamp: Int, userAgent: String) -> VolcengineRequest {
        make(method: "GET", endpoint: endpoint, region: region, service: Volcengine.stsService,
             query: [("Action", Volcengine.assumeRoleAction), ("Version", Volcengine.assumeRoleVersion),
                     ("DurationSeconds", String(role.durationSeconds)), ("RoleSessionName", role.sessionName),
                     ("RoleTrn", role.trn)],
             contentType: nil, body: [], credentials: credentials, timestamp: timestamp, userAgent: userAgent)
    }

    /// The endpoint's own query, if any, is replaced: settings refuse one.
    static func make(method: String, endpoint: HTTPURL, region: String, service: String, query: [(String, String)],
                     contentType: String?, body: [UInt8], credentials: VolcengineCredentials, timestamp: Int,
                     userAgent: String) -> VolcengineRequest {
        var url = endpoint
        if url.path.isEmpty { url.path = "/" }
        url.query = VolcengineSigner.canonicalQuery(query)
        // The transport's own Host rule (default port left out), lower-cased: sent and signed alike.
        var headers = [("Host", url.hostHeader.lowercased())]
        if let contentType { headers.append(("Content-Type", contentType)) }
        headers.append(("User-Agent", userAgent))
        let signature = VolcengineSigner.sign(accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey,
                                              sessionToken: credentials.sessionToken, region: region, service: service,
                                              method: method, path: url.path, query: query,
                                              headers: headers, body: body, timestamp: timestamp)
        headers += signature.headers
        return VolcengineRequest(method: method, url: url, headers: headers, body: body, signature: signature)
    }
}

/// The role STS `AssumeRole` is asked for.
package struct VolcengineRole: Sendable, Equatable {
    /// `trn:iam::<account id>:role/<role name>`.
    package var trn: String
    package var sessionName: String
    /// Seconds, within `Volcengine.roleDurationSeconds`.
    package var durationSeconds: Int

    package init(trn: String, sessionName: String, durationSeconds: Int = Volcengine.defaultRoleDurationSeconds) {
        self.trn = trn
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
    }
}
