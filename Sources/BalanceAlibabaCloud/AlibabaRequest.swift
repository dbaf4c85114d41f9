import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Where one Alibaba Cloud API is reached, pure: the URL (path at least `/`,
/// no query) and the `Host` header exactly as the transport sends it, which
/// is what is signed.
package struct AlibabaEndpoint: Sendable, Equatable {
    package var url: HTTPURL
    /// `host`, or `host:port` when the URL names a non-default port.
    package var hostHeader: String

    /// An `http(s)://host[:port][/path]` endpoint; nil for anything else
    /// (a query, a user, another scheme).
    package init?(_ text: String) {
        guard var url = HTTPURL(string: text.trimmingWhitespace()), url.query == nil else { return nil }
        hostHeader = url.hostHeader
        if url.path.isEmpty { url.path = "/" }
        self.url = url
    }
}

/// One RPC-style API action and the API version it belongs to.
package struct AlibabaAPI: Sendable, Equatable {
    package var action: String
    package var version: String

    /// BssOpenApi: the balance.
    package static let queryAccountBalance = AlibabaAPI(action: "QueryAccountBalance", version: "2017-12-14")
    /// STS: the caller's main account (`AccountId`), no permission needed.
    package static let getCallerIdentity = AlibabaAPI(action: "GetCallerIdentity", version: "2015-04-01")
    /// STS: temporary credentials of a RAM role.
    package static let assumeRole = AlibabaAPI(action: "AssumeRole", version: "2015-04-01")
}

/// One signed request, exactly as it is sent: the headers in order, the
/// query on the URL. Built by a pure function of its inputs (endpoint,
/// credentials, timestamp, nonce).
package struct AlibabaRequest: Sendable {
    package var method: String
    /// The endpoint with the query as sent.
    package var url: HTTPURL
    /// In the order sent; every one but `Authorization` is signed.
    package var headers: [(String, String)]
    package var body: [UInt8]
    /// What the `Authorization` header was made from.
    package var signature: AlibabaSigner.Signature

    /// The percent-encoded path as sent (at least `/`).
    package var path: String { url.path }
    /// The percent-encoded query as sent; empty without parameters.
    package var query: String { url.query ?? "" }

    /// The call for the transport.
    package var call: UpstreamCall {
        UpstreamCall(method: method, url: url, headers: HTTPHeaders(headers), body: body)
    }

    /// `POST` with the parameters in the query and an empty body, as the
    /// official SDKs send RPC-style calls, signed with every header it sends:
    /// `host`, `x-acs-action`, `x-acs-version`, `x-acs-date`,
    /// `x-acs-signature-nonce`, `x-acs-content-sha256`, with STS credentials
    /// `x-acs-accesskey-id` and `x-acs-security-token`, `accept`, `user-agent`.
    /// - Parameters:
    ///   - timestamp: Unix seconds, sent as `x-acs-date`.
    ///   - nonce: sent as `x-acs-signature-nonce`; the server accepts each
    ///     nonce once, so every request needs a new one (`AlibabaNonce`).
    package static func make(endpoint: AlibabaEndpoint, api: AlibabaAPI, query: [(name: String, value: String)] = [],
                             credentials: AlibabaCredentials, timestamp: Int, nonce: String,
                             userAgent: String) -> AlibabaRequest {
        let body: [UInt8] = []
        let hashedPayload = AlibabaSigner.hashedPayload(body)
        var headers: [(name: String, value: String)] = [
            ("host", endpoint.hostHeader),
            ("x-acs-action", api.action),
            ("x-acs-version", api.version),
            ("x-acs-date", AlibabaTime.text(timestamp)),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", hashedPayload),
        ]
        if let token = credentials.securityToken {
            headers.append(("x-acs-accesskey-id", credentials.accessKeyId))
            headers.append(("x-acs-security-token", token))
        }
        headers.append(("accept", "application/json"))
        headers.append(("user-agent", userAgent))
        let signature = AlibabaSigner.sign(accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret,
                                           method: "POST", path: endpoint.url.path, query: query, headers: headers,
                                           hashedPayload: hashedPayload)
        var url = endpoint.url
        if !query.isEmpty { url.query = AlibabaSigner.canonicalQuery(query) }
        return AlibabaRequest(method: "POST", url: url, headers: headers.map { ($0.name, $0.value) } + [("Authorization", signature.authorization)],
                              body: body, signature: signature)
    }

    /// `QueryAccountBalance`: no parameters.
    package static func balance(endpoint: AlibabaEndpoint, credentials: AlibabaCredentials, timestamp: Int, nonce: String,
                                userAgent: String) -> AlibabaRequest {
        make(endpoint: endpoint, api: .queryAccountBalance, credentials: credentials, timestamp: timestamp, nonce: nonce,
             userAgent: userAgent)
    }

    /// STS `GetCallerIdentity`: no parameters.
    package static func callerIdentity(endpoint: AlibabaEndpoint, credentials: AlibabaCredentials, timestamp: Int, nonce: String,
                                       userAgent: String) -> AlibabaRequest {
        make(endpoint: endpoint, api: .getCallerIdentity, credentials: credentials, timestamp: timestamp, nonce: nonce,
             userAgent: userAgent)
    }

    /// STS `AssumeRole` with `RoleArn`, `RoleSessionName`, `DurationSeconds`.
    package static func assumeRole(endpoint: AlibabaEndpoint, role: AlibabaRole, credentials: AlibabaCredentials, timestamp: Int,
                                   nonce: String, userAgent: String) -> AlibabaRequest {
        make(endpoint: endpoint, api: .assumeRole,
             query: [("RoleArn", role.arn), ("RoleSessionName", role.sessionName), ("DurationSeconds", String(role.durationSeconds))],
             credentials: credentials, timestamp: timestamp, nonce: nonce, userAgent: userAgent)
    }
}

/// `x-acs-signature-nonce` values: 32 lower-case hex digits (128 random
/// bits), the shape the SDKs send. Pure given the generator: production
/// passes `SystemRandomNumberGenerator`, tests a seeded one.
package enum AlibabaNonce {
    package static func make(using generator: inout some RandomNumberGenerator) -> String {
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Hex.encode(bytes)
    }
}
