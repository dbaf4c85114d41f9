import BalanceTestSupport
import Foundation
import Synchronization
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceYeastar

/// Across the whole live fault matrix of both providers (every error class,
/// refused, slow and oversized answers, rejected and rotated tokens, and
/// upstreams that echo what they were sent), no configured or issued secret
/// appears in any log line or in any `ProviderError` text: what an operator
/// would paste into a ticket.
final class LiveSecretsTests: XCTestCase {
    typealias World = LiveTencentWorld

    static let sessionSecretId = "AKIDliveSession"
    static let sessionSecretKey = "live-session-SECRET-key-91c2"
    static let sessionToken = "live-session-TOKEN-5d8e0b"

    func testNoTencentSecretInAnyLogLineOrErrorAcrossTheFaultMatrix() async throws {
        let world = try World(self)
        world.billing.addTemporaryCredential(secretId: Self.sessionSecretId, secretKey: Self.sessionSecretKey,
                                             token: Self.sessionToken, expiresAt: world.clock.now() + 86_400, account: "main")
        let logs = LogCapture()
        let logger = logs.logger(clock: world.clock)
        var texts: [String] = []
        func record(_ client: any BalanceProvider, expecting reason: FailureReason?, _ what: String) async {
            do {
                _ = try await client.fetchBalance()
                if let reason { XCTFail("\(what): expected \(reason), got a reading") }
            } catch {
                if let reason { XCTAssertEqual(error.reason, reason, what) } else { XCTFail("\(what): \(error)") }
                texts += [error.description, error.message, error.code ?? "", error.requestID ?? ""]
            }
        }

        let permanent = try world.client(world.account(), logger: logger)
        let session = try world.client(world.account(["secret_id": .string(Self.sessionSecretId),
                                                      "secret_key": .string(Self.sessionSecretKey),
                                                      "token": .string(Self.sessionToken)]), logger: logger)
        let role = try world.client(world.account(["role_arn": .string(World.roleArn)]), logger: logger)
        let instance = try world.client(world.account(["secret_id": nil, "secret_key": nil]), logger: logger)

        for client in [permanent, session, role, instance] {
            await record(client, expecting: nil, "success")
            for (fault, reason) in Self.tencentFaults {
                world.billing.enqueueFaults([fault])
                await record(client, expecting: reason, "\(fault)")
            }
        }
        // Temporary credentials revoked: one logged refresh-and-retry, then a second revocation fails.
        world.billing.revokeToken(secretId: "AKIDsts1")
        await record(role, expecting: nil, "revoked STS token, refreshed")
        let tokenFailure = SimulatedTencentFault.error(code: "AuthFailure.TokenFailure", message: "token expired")
        world.billing.enqueueFaults([tokenFailure, tokenFailure])
        await record(role, expecting: .auth, "rejected before and after the refresh")
        await record(session, expecting: nil, "session keys still work")
        world.billing.revokeToken(secretId: Self.sessionSecretId)
        await record(session, expecting: .auth, "revoked session token")

        // Transport faults.
        let closed = try liveClosedPort()
        await record(try world.client(world.account(endpoint: "http://127.0.0.1:\(closed)"), logger: logger),
                     expecting: .network, "refused")
        let silent = try serveNeverAnswering()
        await record(try world.client(world.account(endpoint: "http://127.0.0.1:\(silent)", timeout: 0.3), logger: logger),
                     expecting: .timeout, "slow")
        let hugePort = try serveOnLoopback { _ in HTTPResponse(status: 200, body: [UInt8](repeating: 0x7B, count: 2 << 20)) }
        await record(try world.client(world.account(endpoint: "http://127.0.0.1:\(hugePort)"), logger: logger),
                     expecting: .bad_response, "huge")

        // Upstreams that quote back every header and the body they received,
        // in the error message, code and request ID.
        let echo = EchoRecorder()
        let echoPort = try serveOnLoopback { request in echo.respond(request) }
        for values: [String: ConfigValue?] in [
            ["secret_id": .string(Self.sessionSecretId), "secret_key": .string(Self.sessionSecretKey), "token": .string(Self.sessionToken)],
            [:],
        ] {
            await record(try world.client(world.account(values, endpoint: "http://127.0.0.1:\(echoPort)"), logger: logger),
                         expecting: .auth, "echoing billing")
        }
        await record(try world.client(world.account(["role_arn": .string(World.roleArn),
                                                     "sts_endpoint": .string("http://127.0.0.1:\(echoPort)")]), logger: logger),
                     expecting: .auth, "echoing STS")
        XCTAssertTrue(echo.sawToken(Self.sessionToken), "the echoing upstream received the token: the check is not vacuous")

        let secrets = [World.secretKey, Self.sessionSecretKey, Self.sessionToken,
                       "sts-secret-1", "sts-token-1", "sts-secret-2", "sts-token-2", "sts-secret-3", "sts-token-3",
                       "cvm-secret-1", "cvm-token-1"]
        XCTAssertGreaterThan(texts.count, 40)
        XCTAssertTrue(logs.all.contains { $0.contains("renewing them and retrying once") }, "the retry after a rejected token was logged")
        assertNone(of: secrets, in: texts + logs.all)
    }

    func testNoYeastarSecretInAnyLogLineOrErrorAcrossTheFaultMatrix() async throws {
        let world = try LiveYeastarWorld(self, tokenLifetime: 5)
        var texts: [String] = []
        func record(_ client: any BalanceProvider, _ what: String) async {
            do {
                _ = try await client.fetchBalance()
            } catch {
                texts += [error.description, error.message, error.code ?? "", error.requestID ?? ""]
            }
        }
        let client = try world.client(timeout: 0.3)

        // A grant and a refresh first, so there are tokens and refresh tokens to leak.
        await record(client, "grant")
        world.clock.advance(by: 4.5)
        await record(client, "refresh")
        let faults: [(YeastarSimulator.Fault, YeastarSimulator.Endpoint)] = [
            (.echoCredentials(code: "invalid_request"), .balance),
            (.unauthorized, .balance), (.echoCredentials(code: "invalid_request"), .token),
            (.httpStatus(500), .balance), (.garbage, .balance), (.code("rate_limited", detail: "slow down", status: 429), .balance),
            (.unauthorized, .balance), (.unauthorized, .balance),
        ]
        for (fault, endpoint) in faults {
            world.simulator.inject(fault, on: endpoint)
            await record(client, "\(fault) on \(endpoint)")
        }
        // Renewal due, and the token endpoint echoes the refresh token and then the client secret.
        world.clock.advance(by: 4.5)
        world.simulator.inject(.echoCredentials(code: "invalid_grant"), on: .token, times: 2)
        await record(client, "echoed refresh and grant")
        world.simulator.restart()
        await record(client, "restart")
        world.setSlow([YeastarAPI.balancePath])
        await record(client, "slow")
        world.setSlow([])
        let closed = try liveClosedPort()
        await record(try world.client(endpoint: "http://127.0.0.1:\(closed)"), "refused")
        let badSecret = try world.client()  // same config: a grant refused for bad credentials below
        world.simulator.inject(.code("invalid_client", detail: "client_secret=\(LiveYeastarWorld.clientSecret)", status: 401), on: .token)
        await record(badSecret, "invalid client quoting the secret")

        let echoed = world.transport.exchanges.compactMap(\.response).map { String(decoding: $0.body, as: UTF8.self) }
        XCTAssertTrue(echoed.contains { $0.contains(FormCoding.escape(LiveYeastarWorld.clientSecret)) },
                      "an upstream echoed the client secret: the check is not vacuous")
        let issued = world.issuedSecrets
        XCTAssertGreaterThanOrEqual(world.transport.issuedTokens.count, 6, "grants and refreshes issued tokens to leak")
        XCTAssertGreaterThan(texts.count, 20)
        XCTAssertTrue(world.logs.all.contains { $0.contains("level=warn") }, "failed renewals were logged")
        let secret = LiveYeastarWorld.clientSecret
        assertNone(of: [secret, FormCoding.escape(secret)] + issued, in: texts + world.logs.all)
    }

    private static let tencentFaults: [(SimulatedTencentFault, FailureReason)] = [
        (.error(code: "AuthFailure.SecretIdNotFound", message: "The SecretId is not found."), .auth),
        (.error(code: "UnauthorizedOperation.CamNoAuth", message: "not allowed"), .permission),
        (.error(code: "AuthFailure.SignatureExpire", message: "expired"), .clock),
        (.error(code: "RequestLimitExceeded", message: "slow down"), .throttled),
        (.error(code: "InternalError", message: "oops"), .upstream_error),
        (.httpStatus(502), .http_status), (.nonJSON, .bad_response), (.truncatedJSON, .bad_response),
    ]

    private func assertNone(of secrets: [String], in texts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(secrets.contains(where: \.isEmpty), file: file, line: line)
        for text in texts {
            for secret in secrets where text.contains(secret) {
                XCTFail("a secret leaked: \(text)", file: file, line: line)
            }
        }
    }
}

/// A Tencent-style upstream that refuses every request with a message and a
/// request ID quoting everything it received (the code must stay an
/// `AuthFailure` one for the reason to be known).
private final class EchoRecorder: Sendable {
    private let tokens = Mutex<[String]>([])

    func sawToken(_ token: String) -> Bool { tokens.withLock { $0.contains(token) } }

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        if let token = request.headers["X-TC-Token"] { tokens.withLock { $0.append(token) } }
        let everything = request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "; ")
            + " body=" + String(decoding: request.body, as: UTF8.self)
        let quoted = JSONValue.string(everything).text
        let body = #"{"Response":{"Error":{"Code":"AuthFailure.InvalidAuthorization","Message":\#(quoted)},"RequestId":\#(quoted)}}"#
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}
