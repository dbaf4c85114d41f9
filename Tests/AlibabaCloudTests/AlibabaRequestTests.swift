import BalanceTestSupport
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSimulators

/// The signed requests exactly as they go out: headers in order, the query
/// on the URL, the Host the transport writes, and the SDK's vectors for the
/// requests whose every header they pin.
final class AlibabaRequestTests: XCTestCase {
    static let credentials = AlibabaCredentials(accessKeyId: AlibabaSignerTests.keyID, accessKeySecret: AlibabaSignerTests.secret,
                                                source: "test")
    /// 2026-01-02T03:04:05Z, the vectors' date.
    static let vectorTime = 1_767_323_045

    private func endpoint(_ text: String) throws -> AlibabaEndpoint {
        try XCTUnwrap(AlibabaEndpoint(text), text)
    }

    /// Vector V3 pins every header the builder sends for an access key, and a query.
    func testGetCallerIdentityRequestIsTheSDKVectorV3() throws {
        let request = AlibabaRequest.make(endpoint: try endpoint("https://sts.aliyuncs.com"), api: .getCallerIdentity,
                                          query: [("Note", "a b*c~d/e+f")], credentials: Self.credentials,
                                          timestamp: Self.vectorTime, nonce: "00000000000000000000000000000003",
                                          userAgent: "balance_exporter/1.0")
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString, "https://sts.aliyuncs.com/?Note=a%20b%2Ac~d%2Fe%2Bf")
        XCTAssertEqual(request.headers.map(\.0), ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                                                  "x-acs-content-sha256", "accept", "user-agent", "Authorization"])
        XCTAssertEqual(request.headers.last?.1, "ACS3-HMAC-SHA256 Credential=LTAI5tTESTACCESSKEYID01,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=32b5fa93b3d29ba5037dd3dda810ce3ea135ddef1d9d460a96296030a005c30e")
        XCTAssertEqual(request.body, [])
    }

    func testBalanceRequestHeadersInOrder() throws {
        let request = AlibabaRequest.balance(endpoint: try endpoint("https://business.aliyuncs.com"), credentials: Self.credentials,
                                             timestamp: Self.vectorTime, nonce: "0123456789abcdef0123456789abcdef",
                                             userAgent: "balance_exporter/9.9")
        XCTAssertEqual(request.url.absoluteString, "https://business.aliyuncs.com/")
        XCTAssertEqual(request.query, "")
        let headers = request.headers.map { "\($0.0): \($0.1)" }
        XCTAssertEqual(Array(headers.dropLast()), [
            "host: business.aliyuncs.com", "x-acs-action: QueryAccountBalance", "x-acs-version: 2017-12-14",
            "x-acs-date: 2026-01-02T03:04:05Z", "x-acs-signature-nonce: 0123456789abcdef0123456789abcdef",
            "x-acs-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "accept: application/json", "user-agent: balance_exporter/9.9",
        ])
        XCTAssertEqual(request.signature.signedHeaders,
                       "accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version")
        XCTAssertEqual(request.headers.last?.1, request.signature.authorization)
    }

    func testSTSCredentialsSendAndSignTheKeyIDAndTheToken() throws {
        let sts = AlibabaCredentials(accessKeyId: "STS.NUgYrLnoC37mZZCNnAbez2", accessKeySecret: "StsSecretForTestVector2222222222",
                                     securityToken: "CAIS+token/with+slash=and=equals", expiresAt: 1_767_330_000, source: "test")
        let request = AlibabaRequest.balance(endpoint: try endpoint("https://business.ap-southeast-1.aliyuncs.com"), credentials: sts,
                                             timestamp: Self.vectorTime, nonce: "fedcba9876543210fedcba9876543210", userAgent: "ua")
        let headers = Dictionary(uniqueKeysWithValues: request.headers.map { ($0.0, $0.1) })
        XCTAssertEqual(headers["x-acs-accesskey-id"], "STS.NUgYrLnoC37mZZCNnAbez2")
        XCTAssertEqual(headers["x-acs-security-token"], "CAIS+token/with+slash=and=equals")
        XCTAssertEqual(request.signature.signedHeaders, "accept;host;user-agent;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;"
                       + "x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version")
        XCTAssertTrue(request.signature.authorization.hasPrefix("ACS3-HMAC-SHA256 Credential=STS.NUgYrLnoC37mZZCNnAbez2,"))
    }

    func testAssumeRoleParametersGoInTheQueryEncoded() throws {
        let role = AlibabaRole(arn: "acs:ram::1968132000120001:role/balance-reader", sessionName: "balance exporter",
                               durationSeconds: 3600)
        let request = AlibabaRequest.assumeRole(endpoint: try endpoint("https://sts.cn-hangzhou.aliyuncs.com"), role: role,
                                                credentials: Self.credentials, timestamp: Self.vectorTime, nonce: "n", userAgent: "ua")
        XCTAssertEqual(request.query, "DurationSeconds=3600&RoleArn=acs%3Aram%3A%3A1968132000120001%3Arole%2Fbalance-reader"
                       + "&RoleSessionName=balance%20exporter")
        XCTAssertEqual(request.signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2],
                       Substring(request.query), "the signed query is the one sent")
        XCTAssertEqual(HTTPURL(string: request.url.absoluteString), request.url, "the URL as sent parses back to itself")
        XCTAssertTrue(request.headers.contains { $0 == ("x-acs-action", "AssumeRole") })
        XCTAssertTrue(request.headers.contains { $0 == ("x-acs-version", "2015-04-01") })
    }

    /// The Host signed is the Host the transport writes, exactly once.
    func testHostHeaderIsWhatTheTransportSends() throws {
        let cases = [("http://127.0.0.1:8080", "127.0.0.1:8080"), ("https://business.aliyuncs.com:443", "business.aliyuncs.com"),
                     ("http://[::1]:9000/", "[::1]:9000"), ("https://sts.aliyuncs.com:8443/prefix", "sts.aliyuncs.com:8443")]
        for (text, host) in cases {
            let request = AlibabaRequest.balance(endpoint: try endpoint(text), credentials: Self.credentials,
                                                 timestamp: Self.vectorTime, nonce: "n", userAgent: "ua")
            XCTAssertEqual(request.headers.first?.1, host, text)
            let wire = String(decoding: try HTTPRequestWriter.encode(request.call.request, to: request.url),
                              as: UTF8.self)
            let hostLines = wire.split(separator: "\r\n").filter { $0.lowercased().hasPrefix("host:") }
            XCTAssertEqual(hostLines, ["host: \(host)"], text)
            XCTAssertTrue(request.signature.canonicalRequest.contains("\nhost:\(host)\n"), text)
        }
        let prefixed = AlibabaRequest.balance(endpoint: try endpoint("https://sts.aliyuncs.com:8443/prefix"), credentials: Self.credentials,
                                              timestamp: Self.vectorTime, nonce: "n", userAgent: "ua")
        XCTAssertTrue(prefixed.signature.canonicalRequest.hasPrefix("POST\n/prefix\n"), "the path as sent is signed")
    }

    func testEndpointsThatCannotBeSignedAreRefused() {
        for text in ["https://business.aliyuncs.com/?Action=QueryAccountBalance", "ftp://business.aliyuncs.com",
                     "business.aliyuncs.com", "https://user@business.aliyuncs.com", ""] {
            XCTAssertNil(AlibabaEndpoint(text), text)
        }
        XCTAssertEqual(AlibabaEndpoint(" https://business.aliyuncs.com ")?.url.path, "/")
    }

    func testNonceIsThirtyTwoHexDigitsAndNeverRepeats() {
        var generator = AlibabaSeededRandom(seed: 17)
        let nonces = (0..<1000).map { _ in AlibabaNonce.make(using: &generator) }
        XCTAssertEqual(Set(nonces).count, 1000)
        for nonce in nonces {
            XCTAssertEqual(nonce.count, 32)
            XCTAssertTrue(nonce.allSatisfy { $0.isHexDigit && !$0.isUppercase }, nonce)
        }
        var again = AlibabaSeededRandom(seed: 17)
        XCTAssertEqual(AlibabaNonce.make(using: &again), nonces[0], "pure: the generator alone decides")
    }

    func testTimestampsAreUTCInTheAPIsFormat() {
        XCTAssertEqual(AlibabaTime.text(Self.vectorTime), "2026-01-02T03:04:05Z")
        XCTAssertEqual(AlibabaTime.text(0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(AlibabaTime.text(951_782_399), "2000-02-28T23:59:59Z")
        XCTAssertEqual(AlibabaTime.seconds("2026-01-02T03:04:05Z"), Double(Self.vectorTime))
        XCTAssertEqual(AlibabaTime.seconds("2024-02-29T00:00:00Z"), 1_709_164_800)
        for bad in ["2026-01-02 03:04:05Z", "2026-01-02T03:04:05", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
                    "2026-13-01T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T03:04:05.000Z", "２026-01-02T03:04:05Z", ""] {
            XCTAssertNil(AlibabaTime.seconds(bad), bad)
        }
    }

    func testInstanceMetadataRequests() throws {
        let base = try XCTUnwrap(HTTPURL(string: "http://100.100.100.200/"))
        let token = AlibabaInstanceMetadata.tokenRequest(base: base)
        XCTAssertEqual(token.request.method, "PUT")
        XCTAssertEqual(token.url.absoluteString, "http://100.100.100.200/latest/api/token")
        XCTAssertEqual(token.request.headers.map { "\($0.name): \($0.value)" }, ["X-aliyun-ecs-metadata-token-ttl-seconds: 21600"])
        let list = AlibabaInstanceMetadata.roleNameRequest(base: base, token: "tok-1")
        XCTAssertEqual(list.url.absoluteString, "http://100.100.100.200/latest/meta-data/ram/security-credentials/")
        XCTAssertEqual(list.request.headers.map { "\($0.name): \($0.value)" }, ["X-aliyun-ecs-metadata-token: tok-1"])
        let credentials = AlibabaInstanceMetadata.credentialsRequest(base: base, role: "EcsRole", token: nil)
        XCTAssertEqual(credentials.request.method, "GET")
        XCTAssertEqual(credentials.url.absoluteString, "http://100.100.100.200/latest/meta-data/ram/security-credentials/EcsRole")
        XCTAssertTrue(credentials.request.headers.isEmpty, "IMDSv1: no token header")
    }
}

/// A seeded generator (SplitMix64) so tests of random values are repeatable.
struct AlibabaSeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
