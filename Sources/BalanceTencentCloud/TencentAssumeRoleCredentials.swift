import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Temporary credentials from STS `AssumeRole` (version 2018-08-13), signed
/// with the base credentials: one identity reading many accounts. Cached until
/// 300 s before `ExpiredTime`, by the injected clock.
final class TencentAssumeRoleCredentials: TencentCredentialProvider {
    struct Role: Sendable {
        var arn: String
        var sessionName: String
        var durationSeconds: Int
        var endpoint: TencentEndpoint
        var region: String
    }

    private let cache: CredentialCache<TencentCredentials>

    init(role: Role, base: any TencentCredentialProvider, transport: any HTTPTransport, clock: any WallClock,
         timeout: Double, userAgent: String) {
        cache = CredentialCache(clock: clock) { _ throws(ProviderError) in
            try await Self.assume(role: role, base: base, transport: transport, clock: clock, timeout: timeout, userAgent: userAgent)
        }
    }

    static func assume(role: Role, base: any TencentCredentialProvider, transport: any HTTPTransport, clock: any WallClock,
                       timeout: Double, userAgent: String) async throws(ProviderError) -> TencentCredentials {
        do throws(ProviderError) {
            let baseCredentials = try await base.credentials()
            let request = TencentRequest.make(endpoint: role.endpoint, action: "AssumeRole", version: "2018-08-13",
                                              region: role.region, language: nil, credentials: baseCredentials,
                                              body: body(role), timestamp: Int(clock.now()), userAgent: userAgent)
            let response = try await transport.exchange(request, to: role.endpoint.url, timeout: timeout, what: "request")
            do {
                return try credentials(status: response.status, body: response.body, role: role)
            } catch {
                throw error.retrying(after: response, now: clock.now()).bounded(removing: baseCredentials.secrets)
            }
        } catch {
            var wrapped = error
            wrapped.message = "STS AssumeRole: \(wrapped.message)"
            throw wrapped
        }
    }

    func credentials() async throws(ProviderError) -> TencentCredentials {
        try await cache.credential()
    }

    func invalidate(_ rejected: TencentCredentials) async {
        await cache.invalidate(rejected)
    }

    static func body(_ role: Role) -> [UInt8] {
        // In the documented parameter order.
        Array(JSONValue.objectText([
            ("RoleArn", JSONValue.string(role.arn).text),
            ("RoleSessionName", JSONValue.string(role.sessionName).text),
            ("DurationSeconds", JSONValue.number(.int(Int64(role.durationSeconds))).text),
        ]).utf8)
    }

    /// `Response.Credentials.{TmpSecretId, TmpSecretKey, Token}` and `Response.ExpiredTime`, pure.
    static func credentials(status: Int, body: [UInt8], role: Role) throws(ProviderError) -> TencentCredentials {
        let response = try TencentResponse.payload(status: status, body: body)
        guard let credentials = response["Credentials"]?.object,
              let id = credentials["TmpSecretId"]?.string, let key = credentials["TmpSecretKey"]?.string,
              let token = credentials["Token"]?.string,
              let expiresAt = response["ExpiredTime"]?.number?.double else {
            throw ProviderError(.bad_response, message: "STS AssumeRole response lacks Credentials or ExpiredTime",
                                requestID: response["RequestId"]?.string)
        }
        return TencentCredentials(secretId: id, secretKey: key, token: token, expiresAt: expiresAt, source: "STS role \(role.arn)")
    }
}
