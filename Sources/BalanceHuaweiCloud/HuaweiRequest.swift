import BalanceCore
import BalanceHTTP
import BalanceSupport

/// One request to Huawei Cloud, built (and signed) purely from its inputs:
/// the credentials and the time come in as arguments.
package struct HuaweiRequest: Sendable {
    package var method: String
    /// Where it goes; the query, if any, is the canonical query the signature covers.
    package var url: HTTPURL
    /// In the order sent; `Host` first, exactly as the transport would write it.
    package var headers: [(String, String)]
    package var body: [UInt8]
    /// Nil for the metadata service, which takes no signature.
    package var signature: HuaweiSigner.Signature?

    package var path: String { url.path }
    package var query: String? { url.query }

    /// The call for the transport.
    package var call: UpstreamCall {
        UpstreamCall(method: method, url: url, headers: HTTPHeaders(headers), body: body)
    }

    /// The one Content-Type sent, as the official SDK sends (and signs) it on every call.
    package static let contentType = "application/json"
    package static let balancePath = "/v2/accounts/customer-accounts/balances"
    package static let domainsPath = "/v3/auth/domains"
    package static let metadataTokenPath = "/meta-data/latest/api/token"
    package static let securityKeyPath = "/openstack/latest/securitykey"
    /// The lifetime the SDK asks for a metadata session token, seconds.
    package static let metadataTokenTTL = 21600

    /// `GET /v2/accounts/customer-accounts/balances` (ShowCustomerAccountBalances),
    /// with `X-Domain-Id` when the account id is known.
    package static func balance(endpoint: HTTPURL, credentials: HuaweiCredentials, domainId: String?,
                                userAgent: String, timestamp: Int) -> HuaweiRequest {
        signed(endpoint: endpoint, path: balancePath, credentials: credentials, domainId: domainId,
               userAgent: userAgent, timestamp: timestamp)
    }

    /// IAM `GET /v3/auth/domains` (KeystoneListAuthDomains): the key's own
    /// account, what the SDK asks when no domain id is configured. No `X-Domain-Id`.
    package static func domains(iamEndpoint: HTTPURL, credentials: HuaweiCredentials, userAgent: String,
                                timestamp: Int) -> HuaweiRequest {
        signed(endpoint: iamEndpoint, path: domainsPath, credentials: credentials, domainId: nil,
               userAgent: userAgent, timestamp: timestamp)
    }

    /// ECS metadata `PUT /meta-data/latest/api/token`: a session token for the metadata service.
    package static func metadataToken(metadataEndpoint: HTTPURL) -> HuaweiRequest {
        unsigned("PUT", endpoint: metadataEndpoint, path: metadataTokenPath,
                 headers: [("X-Metadata-Token-Ttl-Seconds", String(metadataTokenTTL))])
    }

    /// ECS metadata `GET /openstack/latest/securitykey`: the instance agency's temporary keys.
    package static func securityKey(metadataEndpoint: HTTPURL, metadataToken: String?) -> HuaweiRequest {
        unsigned("GET", endpoint: metadataEndpoint, path: securityKeyPath,
                 headers: metadataToken.map { [("X-Metadata-Token", $0)] } ?? [])
    }

    private static func signed(endpoint: HTTPURL, path: String, credentials: HuaweiCredentials, domainId: String?,
                               userAgent: String, timestamp: Int) -> HuaweiRequest {
        let url = resolve(path, against: endpoint)
        var headers = [("Host", url.hostHeader), ("Content-Type", contentType), ("User-Agent", userAgent)]
        if let domainId { headers.append(("X-Domain-Id", domainId)) }
        if let token = credentials.securityToken { headers.append(("X-Security-Token", token)) }
        let signature = HuaweiSigner.sign(accessKey: credentials.accessKey, secretKey: credentials.secretKey, method: "GET",
                                          path: url.path, headers: headers, timestamp: timestamp)
        headers += [("X-Sdk-Date", signature.sdkDate), ("Authorization", signature.authorization)]
        return HuaweiRequest(method: "GET", url: url, headers: headers, body: [], signature: signature)
    }

    private static func unsigned(_ method: String, endpoint: HTTPURL, path: String, headers: [(String, String)]) -> HuaweiRequest {
        let url = resolve(path, against: endpoint)
        return HuaweiRequest(method: method, url: url, headers: [("Host", url.hostHeader)] + headers,
                             body: [], signature: nil)
    }

    /// `path` under the endpoint's own path (a reverse proxy's prefix), without the endpoint's query.
    static func resolve(_ path: String, against endpoint: HTTPURL) -> HTTPURL {
        var url = endpoint
        let base = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        url.path = base + path
        url.query = nil
        return url
    }
}
