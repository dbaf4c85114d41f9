import BalanceCore
import BalanceHTTP
import BalanceSupport
import Synchronization

/// The official credentials SDKs' default chain, for an account that
/// configures no keys (https://github.com/aliyun/credentials-go,
/// `credentials/providers/default.go`): the environment, then the
/// credentials file's profile, then the ECS instance RAM role. Each call
/// looks again (environment and file are cheap to read; temporary
/// credentials are cached by their providers), so keys rotated on disk are
/// picked up.
final class AlibabaCredentialsChain: AlibabaCredentialProvider {
    static let metadataDisabledVariable = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
    static let roleNameVariable = "ALIBABA_CLOUD_ECS_METADATA"
    static let imdsV1DisabledVariable = "ALIBABA_CLOUD_IMDSV1_DISABLED"

    /// What a credentials-file profile asks for beyond a key pair, each
    /// provider made once and kept (its cache with it).
    private enum Derived: Hashable {
        case instanceRole(name: String)
        case role(baseID: String, baseSecret: String, arn: String, sessionName: String)
    }

    private let environment: [String: String]
    private let readFile: @Sendable (String) -> String?
    private let instanceRole: AlibabaInstanceRoleCredentials?
    private let makeInstanceRole: @Sendable (_ roleName: String?) -> AlibabaInstanceRoleCredentials
    private let makeRole: @Sendable (_ base: AlibabaCredentials, _ arn: String, _ sessionName: String?) -> AlibabaAssumeRoleCredentials
    private let derived = Mutex<[Derived: any AlibabaCredentialProvider]>([:])

    init(environment: [String: String], readFile: @escaping @Sendable (String) -> String?, settings: AlibabaCloudSettings,
         caller: AlibabaCaller) {
        self.environment = environment
        self.readFile = readFile
        let allowIMDSv1 = environment[Self.imdsV1DisabledVariable]?.lowercased() != "true"
        makeInstanceRole = { roleName in
            AlibabaInstanceRoleCredentials(metadataEndpoint: settings.metadataEndpoint, roleName: roleName, allowIMDSv1: allowIMDSv1,
                                           transport: caller.transport, clock: caller.clock, timeout: caller.timeout)
        }
        makeRole = { base, arn, sessionName in
            let role = AlibabaRole(arn: arn, sessionName: sessionName ?? settings.roleSessionName, durationSeconds: settings.roleDuration)
            return AlibabaAssumeRoleCredentials(role: role, stsEndpoint: settings.stsEndpoint,
                                                base: AlibabaStaticCredentials(value: base), caller: caller)
        }
        let disabled = environment[Self.metadataDisabledVariable]?.lowercased() == "true"
        let roleName = environment[Self.roleNameVariable].flatMap { $0.isEmpty ? nil : $0 }
        instanceRole = disabled ? nil : makeInstanceRole(roleName)
    }

    func credentials() async throws(ProviderError) -> AlibabaCredentials {
        if let found = try AlibabaCredentialSources.environment(environment) { return found }
        let paths = AlibabaCredentialSources.candidatePaths(environment: environment)
        let name = AlibabaCredentialSources.profileName(environment: environment)
        for path in paths {
            guard let text = readFile(path),
                  let profile = try AlibabaCredentialSources.profile(fromINI: text, path: path, name: name) else { continue }
            switch profile {
            case .accessKey(let credentials):
                return credentials
            case .ecsRAMRole(let roleName):
                let key = Derived.instanceRole(name: roleName ?? "")
                return try await provider(key) { makeInstanceRole(roleName) }.credentials()
            case .ramRoleARN(let base, let arn, let sessionName):
                let key = Derived.role(baseID: base.accessKeyId, baseSecret: base.accessKeySecret, arn: arn, sessionName: sessionName ?? "")
                return try await provider(key) { makeRole(base, arn, sessionName) }.credentials()
            }
        }
        let files = paths.isEmpty ? "no credentials file (neither \(AlibabaCredentialSources.credentialsFileVariable) nor HOME is set)"
            : "no [\(name)] profile in " + paths.joined(separator: ", ")
        guard let instanceRole else {
            throw ProviderError(.auth, message: noCredentials + files + "; the ECS RAM role is disabled (\(Self.metadataDisabledVariable)=true)")
        }
        do {
            return try await instanceRole.credentials()
        } catch {
            throw ProviderError(.auth, message: noCredentials + files + "; ECS RAM role credentials unavailable (\(error.message))")
        }
    }

    private var noCredentials: String {
        "no Alibaba Cloud credentials: the account sets no access_key_id/access_key_secret; "
            + "\(AlibabaCredentialSources.accessKeyIdVariable)/\(AlibabaCredentialSources.accessKeySecretVariable) are not in the environment; "
    }

    private func provider(_ key: Derived, make: () -> any AlibabaCredentialProvider) -> any AlibabaCredentialProvider {
        derived.withLock { providers in
            if let existing = providers[key] { return existing }
            let made = make()
            providers[key] = made
            return made
        }
    }

    func invalidate(_ rejected: AlibabaCredentials) async {
        await instanceRole?.invalidate(rejected)
        for provider in derived.withLock({ Array($0.values) }) { await provider.invalidate(rejected) }
    }
}
