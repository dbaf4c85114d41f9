import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Temporary credentials of the CVM instance's CAM role, from the metadata
/// service: `GET /latest/meta-data/cam/security-credentials/` names the role,
/// `GET .../security-credentials/<role>` gives `TmpSecretId`, `TmpSecretKey`,
/// `Token`, `ExpiredTime` (https://www.tencentcloud.com/document/product/213/45917).
/// Cached until 300 s before expiry.
final class TencentInstanceRoleCredentials: TencentCredentialProvider {
    private let cache: CredentialCache<TencentCredentials>

    init(metadataEndpoint: String, transport: any HTTPTransport, clock: any WallClock, timeout: Double) {
        let base = metadataEndpoint.hasSuffix("/") ? String(metadataEndpoint.dropLast()) : metadataEndpoint
        cache = CredentialCache(clock: clock) { _ throws(ProviderError) in
            try await Self.fetch(base: base, transport: transport, timeout: timeout)
        }
    }

    func credentials() async throws(ProviderError) -> TencentCredentials {
        try await cache.credential()
    }

    func invalidate(_ rejected: TencentCredentials) async {
        await cache.invalidate(rejected)
    }

    static func fetch(base: String, transport: any HTTPTransport, timeout: Double) async throws(ProviderError) -> TencentCredentials {
        let listURL = "\(base)/latest/meta-data/cam/security-credentials/"
        let roleBody = try await get(listURL, transport: transport, timeout: timeout)
        let role = (String(decoding: roleBody, as: UTF8.self).split(whereSeparator: \.isNewline).first ?? "").trimmingASCIIWhitespace()
        // CAM role names are letters, digits and +=,.@_- : anything else is not a role name.
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-")
        guard !role.isEmpty, role.count <= 128, role.allSatisfy({ allowed.contains($0) }) else {
            throw ProviderError(.auth, message: "CVM metadata service names no CAM role")
        }
        let body = try await get(listURL + role, transport: transport, timeout: timeout)
        guard let json = JSONValue.parse(body)?.object else {
            throw ProviderError(.bad_response, message: "CVM role credentials are not JSON")
        }
        if let code = json["Code"]?.string, code != "Success" {
            throw ProviderError(.auth, code: code, message: "CVM role credentials for role \(role) not issued")
        }
        guard let id = json["TmpSecretId"]?.string, let key = json["TmpSecretKey"]?.string,
              let token = json["Token"]?.string, let expiresAt = json["ExpiredTime"]?.number?.double else {
            throw ProviderError(.bad_response, message: "CVM role credentials lack TmpSecretId, TmpSecretKey, Token or ExpiredTime")
        }
        return TencentCredentials(secretId: id, secretKey: key, token: token, expiresAt: expiresAt, source: "CVM role \(role)")
    }

    private static func get(_ urlText: String, transport: any HTTPTransport, timeout: Double) async throws(ProviderError) -> [UInt8] {
        guard let url = HTTPURL(string: urlText) else {
            throw ProviderError(.auth, message: "invalid metadata endpoint")
        }
        let response = try await transport.exchange(HTTPRequest(method: "GET", url: url), to: url, timeout: timeout,
                                                     what: "CVM metadata request")
        guard (200..<300).contains(response.status) else {
            throw ProviderError(.forHTTPStatus(response.status), message: "CVM metadata service answered HTTP \(response.status)")
        }
        return response.body
    }
}
