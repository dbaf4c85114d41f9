import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// Where an account without keys gets its credentials, over loopback: the
/// environment (injected through `ProviderContext.environment`), then the
/// credentials file (a real file in a temporary directory), then the ECS
/// instance RAM role from the metadata simulator; `role_arn` on top.
final class AlibabaCredentialsChainTests: XCTestCase {
    typealias World = AlibabaLiveWorld

    private let noKeys: [String: ConfigValue?] = ["access_key_id": nil, "access_key_secret": nil]

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alibaba-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// A credentials file in a temporary directory, read by the production reader.
    private func credentialsFile(_ text: String, name: String = "credentials") throws -> String {
        let url = try temporaryDirectory().appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func client(_ world: World, environment: [String: String], values: [String: ConfigValue?] = [:],
                        logger: Logger = .discard) throws -> AlibabaCloudClient {
        let context = ProviderContext(transport: SocketTransport(), clock: world.clock, logger: logger, environment: environment,
                                      userAgent: "balance_exporter/live-test")
        return try AlibabaCloud.makeClient(account: world.account(noKeys.merging(values) { $1 }), context: context)
    }

    private func addFileKey(_ world: World) {
        world.gateway.addKey(id: "LTAIfile", secret: "file-SECRET", account: World.roleAccount)
    }

    func testTheEnvironmentComesFirst() async throws {
        let world = try World(self)
        addFileKey(world)
        let path = try credentialsFile("[default]\ntype = access_key\naccess_key_id = LTAIfile\naccess_key_secret = file-SECRET\n")
        let reading = try await client(world, environment: [
            "ALIBABA_CLOUD_ACCESS_KEY_ID": World.keyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": World.secret,
            "ALIBABA_CLOUD_CREDENTIALS_FILE": path,
        ]).fetchBalance()
        XCTAssertEqual(reading.uin, World.uid, "the environment's key, not the file's")
        XCTAssertTrue(world.metadata.requests.isEmpty)
    }

    func testTheEnvironmentsSecurityTokenIsSent() async throws {
        let world = try World(self)
        world.gateway.addTemporaryKey(id: "STS.env", secret: "env-secret", token: "env-token", expiresAt: world.clock.now() + 3600,
                                      account: World.uid)
        _ = try await client(world, environment: ["ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.env", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
                                                  "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token"]).fetchBalance()
        XCTAssertEqual(world.gateway.requests.first?.headers["x-acs-security-token"], "env-token")
    }

    func testHalfAnEnvironmentPairIsAnAuthFailureNamingTheVariable() async throws {
        let world = try World(self)
        let error = await (try client(world, environment: ["ALIBABA_CLOUD_ACCESS_KEY_ID": World.keyID])).liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.message, "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not")
        XCTAssertTrue(world.gateway.requests.isEmpty)
    }

    func testTheCredentialsFileComesBeforeTheInstanceRole() async throws {
        let world = try World(self)
        addFileKey(world)
        let path = try credentialsFile("""
            [default]
            type = access_key
            access_key_id = LTAIfile
            access_key_secret = file-SECRET
            [other]
            type = ecs_ram_role
            """)
        let reading = try await client(world, environment: ["ALIBABA_CLOUD_CREDENTIALS_FILE": path]).fetchBalance()
        XCTAssertEqual(reading.uin, World.roleAccount)
        XCTAssertTrue(world.metadata.requests.isEmpty)

        // ALIBABA_CLOUD_PROFILE picks the section; HOME/.alibabacloud/credentials is the default path.
        let home = try temporaryDirectory()
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".alibabacloud"), withIntermediateDirectories: true)
        try "[other]\ntype = ecs_ram_role\nrole_name = \(World.instanceRole)\n"
            .write(to: home.appendingPathComponent(".alibabacloud/credentials"), atomically: true, encoding: .utf8)
        let fromRole = try await client(world, environment: ["HOME": home.path, "ALIBABA_CLOUD_PROFILE": "other"]).fetchBalance()
        XCTAssertEqual(fromRole.uin, World.uid)
        XCTAssertEqual(world.metadata.requests.map(\.path), ["/latest/api/token", "/latest/meta-data/ram/security-credentials/\(World.instanceRole)"],
                       "the profile names the role: no listing")
    }

    func testAFileRamRoleArnProfileAssumesItsRole() async throws {
        let world = try World(self)
        addFileKey(world)
        let path = try credentialsFile("""
            [default]
            type = ram_role_arn
            access_key_id = LTAIfile
            access_key_secret = file-SECRET
            role_arn = \(World.roleArn)
            role_session_name = from-file
            """, name: "credentials.ini")
        let client = try client(world, environment: ["ALIBABA_CLOUD_CREDENTIALS_FILE": path])
        let reading = try await client.fetchBalance()
        _ = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 77.7)
        XCTAssertEqual(world.gateway.issuedCount, 1, "the file's role credentials are cached")
        XCTAssertTrue(world.gateway.requests[0].query?.contains("RoleSessionName=from-file") == true)
    }

    func testABrokenProfileIsAClearAuthFailure() async throws {
        let world = try World(self)
        let path = try credentialsFile("[default]\ntype = access_key\naccess_key_id = LTAIonly\n")
        let error = await (try client(world, environment: ["ALIBABA_CLOUD_CREDENTIALS_FILE": path])).liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.message, "credentials file \(path), section [default]: access_key_secret is missing")
        XCTAssertTrue(world.metadata.requests.isEmpty, "a broken file is reported, not skipped")
    }

    func testTheInstanceRoleLastWithItsSessionTokenAndCachedUntilRenewal() async throws {
        let world = try World(self)
        let client = try client(world, environment: [:])
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.uin, World.uid)
        XCTAssertEqual(world.metadata.requests.map(\.path), [
            "/latest/api/token", "/latest/meta-data/ram/security-credentials/",
            "/latest/meta-data/ram/security-credentials/\(World.instanceRole)",
        ])
        XCTAssertEqual(world.metadata.requests[1].headers["X-aliyun-ecs-metadata-token"], "imds-session-1")
        XCTAssertEqual(world.gateway.requests.first?.headers["x-acs-security-token"], "CAIS+ecs/token1==")

        _ = try await client.fetchBalance()
        XCTAssertEqual(world.metadata.requests.count, 3, "cached")
        // Lifetime 7200 s; 15 minutes before it ends they are renewed (the simulator rotates 30 minutes before).
        world.clock.advance(by: 7200 - 900)
        _ = try await client.fetchBalance()
        XCTAssertEqual(world.metadata.issuedCount, 2)
        XCTAssertEqual(world.gateway.requests.last?.headers["x-acs-security-token"], "CAIS+ecs/token2==")
    }

    func testWithoutAnySourceTheErrorNamesEveryPlaceLooked() async throws {
        let world = try World(self)
        let noRole = AlibabaSimulatorMetadata(clock: world.clock, gateway: world.gateway, roleName: nil, account: World.uid)
        let port = try serveOnLoopback(noRole)
        let error = await (try client(world, environment: ["HOME": "/nonexistent-home"],
                                      values: ["metadata_endpoint": .string("http://127.0.0.1:\(port)")])).liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        let message = error?.message ?? ""
        for part in ["access_key_id/access_key_secret", "ALIBABA_CLOUD_ACCESS_KEY_ID", "/nonexistent-home/.alibabacloud/credentials",
                     "no RAM role attached"] {
            XCTAssertTrue(message.contains(part), "\(part): \(message)")
        }

        let disabled = await (try client(world, environment: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"])).liveFailure()
        XCTAssertEqual(disabled?.reason, .auth)
        XCTAssertTrue(disabled?.message.contains("ALIBABA_CLOUD_ECS_METADATA_DISABLED=true") == true, disabled?.message ?? "")
        XCTAssertTrue(world.metadata.requests.isEmpty)
    }

    func testIMDSv1FallbackUnlessDisabled() async throws {
        let world = try World(self)
        let noTokens = try serveOnLoopback { request in
            request.method == "PUT" ? .text(403, "Forbidden") : world.metadata.handle(request)
        }
        let values: [String: ConfigValue?] = ["metadata_endpoint": .string("http://127.0.0.1:\(noTokens)")]
        let reading = try await client(world, environment: [:], values: values).fetchBalance()
        XCTAssertEqual(reading.uin, World.uid)
        XCTAssertNil(world.metadata.requests.first?.headers["X-aliyun-ecs-metadata-token"], "plain requests without a token")

        let refused = await (try client(world, environment: ["ALIBABA_CLOUD_IMDSV1_DISABLED": "true"], values: values)).liveFailure()
        XCTAssertEqual(refused?.reason, .auth)
        XCTAssertTrue(refused?.message.contains("ALIBABA_CLOUD_IMDSV1_DISABLED") == true, refused?.message ?? "")
    }

    func testRoleArnOnTopOfTheInstanceRole() async throws {
        let world = try World(self)
        let reading = try await client(world, environment: [:], values: ["role_arn": .string(World.roleArn)]).fetchBalance()
        XCTAssertEqual(reading.uin, World.roleAccount)
        let assume = try XCTUnwrap(world.gateway.requests.first)
        XCTAssertEqual(assume.headers["x-acs-action"], "AssumeRole")
        XCTAssertEqual(assume.headers["x-acs-security-token"], "CAIS+ecs/token1==", "signed with the instance role's credentials")
    }
}
