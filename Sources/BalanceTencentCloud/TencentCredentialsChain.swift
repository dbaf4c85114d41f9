import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The default credential chain of the Tencent Cloud SDKs, for an account
/// that configures no keys: environment, then profile file, then the CVM
/// instance role. Each call looks again (environment and file are cheap to
/// read; the role's credentials are cached by its provider), so keys rotated
/// on disk are picked up.
struct TencentCredentialsChain: TencentCredentialProvider {
    let environment: [String: String]
    let readFile: @Sendable (String) -> String?
    let instanceRole: TencentInstanceRoleCredentials

    func credentials() async throws(ProviderError) -> TencentCredentials {
        if let id = environment["TENCENTCLOUD_SECRET_ID"], !id.isEmpty,
           let key = environment["TENCENTCLOUD_SECRET_KEY"], !key.isEmpty {
            let token = environment["TENCENTCLOUD_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return TencentCredentials(secretId: id, secretKey: key, token: token, source: "environment")
        }
        let paths = TencentCredentialsProfile.candidatePaths(environment: environment)
        for path in paths {
            guard let text = readFile(path) else { continue }
            if let found = TencentCredentialsProfile.credentials(fromINI: text, path: path) { return found }
        }
        do {
            return try await instanceRole.credentials()
        } catch {
            throw ProviderError(.auth, message: "no Tencent Cloud credentials: the account sets no secret_id/secret_key; "
                + "TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY are not in the environment; no [default] secret_id/secret_key in "
                + paths.joined(separator: ", ") + "; CVM role credentials unavailable (\(error.message))")
        }
    }

    func invalidate(_ rejected: TencentCredentials) async {
        await instanceRole.invalidate(rejected)
    }
}
