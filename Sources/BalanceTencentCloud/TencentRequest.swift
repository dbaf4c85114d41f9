import BalanceHTTP
import BalanceSupport

/// Builds one signed API 3.0 request, pure: everything (credentials,
/// timestamp) comes in as arguments.
enum TencentRequest {
    /// The one Content-Type sent, signed byte-for-byte as sent.
    static let contentType = "application/json"

    static func make(endpoint: TencentEndpoint, action: String, version: String, region: String?, language: String?,
                     credentials: TencentCredentials, body: [UInt8], timestamp: Int,
                     userAgent: String) -> HTTPRequest {
        // Sign content-type and host (mandatory) and the action, as the documentation's example does,
        // so a signature cannot be replayed against another action.
        let signature = TC3Signer.sign(secretId: credentials.secretId, secretKey: credentials.secretKey,
                                       service: endpoint.service, host: endpoint.hostHeader, method: "POST",
                                       path: endpoint.path, query: "", contentType: contentType,
                                       extraSignedHeaders: [("X-TC-Action", action)], payload: body, timestamp: timestamp)
        var headers: HTTPHeaders = [
            ("Host", endpoint.hostHeader),
            ("Content-Type", contentType),
            ("X-TC-Action", action),
            ("X-TC-Version", version),
            ("X-TC-Timestamp", String(timestamp)),
        ]
        if let region { headers.append("X-TC-Region", region) }
        if let language { headers.append("X-TC-Language", language) }
        if let token = credentials.token { headers.append("X-TC-Token", token) }
        headers.append("User-Agent", userAgent)
        headers.append("Authorization", signature.authorization)
        return HTTPRequest(method: "POST", url: endpoint.url, headers: headers, body: body)
    }
}
