import BalanceTestSupport
import XCTest
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud

/// SDK-HMAC-SHA256 against vectors made with the official signer
/// (huaweicloudsdkcore 3.1.219, `Signer.sign`) and the Go SDK's own unit test
/// (huaweicloud-sdk-go-v3 `core/auth/signer/signer_test.go`), every
/// intermediate text compared.
final class HuaweiSignerTests: XCTestCase {
    private let emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    private let balancePath = "/v2/accounts/customer-accounts/balances"

    func testV1MinimalChinaSite() {
        let s = HuaweiSigner.sign(accessKey: "HPUAEXAMPLEAK0000001", secretKey: "EXAMPLESK0000000000000000000000000000001",
                                  method: "GET", path: balancePath, headers: [("Host", "bss.myhuaweicloud.com")],
                                  timestamp: 1_704_067_200)
        XCTAssertEqual(s.sdkDate, "20240101T000000Z")
        XCTAssertEqual(s.canonicalRequest, """
            GET
            /v2/accounts/customer-accounts/balances/

            host:bss.myhuaweicloud.com
            x-sdk-date:20240101T000000Z

            host;x-sdk-date
            \(emptyBodyHash)
            """)
        XCTAssertEqual(s.canonicalRequestHash, "58587105af6b2edcd15945aa09f63c4553afa7a8563e2fee583e2853b27b47dc")
        XCTAssertEqual(s.stringToSign, "SDK-HMAC-SHA256\n20240101T000000Z\n58587105af6b2edcd15945aa09f63c4553afa7a8563e2fee583e2853b27b47dc")
        XCTAssertEqual(s.signedHeaders, "host;x-sdk-date")
        XCTAssertEqual(s.signature, "5beba9acba3f36a53c1367333e533ee07eeae6562cbdd6ddd5ee9d95ad433b80")
        XCTAssertEqual(s.authorization, "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=host;x-sdk-date, Signature=5beba9acba3f36a53c1367333e533ee07eeae6562cbdd6ddd5ee9d95ad433b80")
    }

    func testV2SDKHeaderSetInternationalSite() {
        let s = HuaweiSigner.sign(accessKey: "HPUAEXAMPLEAK0000002", secretKey: "EXAMPLESK0000000000000000000000000000002",
                                  method: "GET", path: balancePath,
                                  headers: [("Content-Type", "application/json"), ("Host", "bss-intl.myhuaweicloud.com"),
                                            ("User-Agent", "balance_exporter/1.0"), ("X-Domain-Id", "0123456789abcdef0123456789abcdef")],
                                  timestamp: 1_709_251_199)
        XCTAssertEqual(s.sdkDate, "20240229T235959Z")
        XCTAssertEqual(s.canonicalRequest, """
            GET
            /v2/accounts/customer-accounts/balances/

            content-type:application/json
            host:bss-intl.myhuaweicloud.com
            user-agent:balance_exporter/1.0
            x-domain-id:0123456789abcdef0123456789abcdef
            x-sdk-date:20240229T235959Z

            content-type;host;user-agent;x-domain-id;x-sdk-date
            \(emptyBodyHash)
            """)
        XCTAssertEqual(s.canonicalRequestHash, "bc7fa27365f20a3208ef0fc93d71648ec39dc1dea8e1e7db5fbdfeb896c0f90d")
        XCTAssertEqual(s.stringToSign, "SDK-HMAC-SHA256\n20240229T235959Z\nbc7fa27365f20a3208ef0fc93d71648ec39dc1dea8e1e7db5fbdfeb896c0f90d")
        XCTAssertEqual(s.authorization, "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000002, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, Signature=dbe4324c7dede570f9d83916cae8438ca6da1e972ed64f756cf6c1e9da323502")
    }

    func testV3TemporaryCredentialsQueryAndPort() {
        let query = [("limit", "10"), ("b", "x y/z~*"), ("a", "2"), ("a", "1")]
        let s = HuaweiSigner.sign(accessKey: "HSTAEXAMPLEAK0000003", secretKey: "EXAMPLESK0000000000000000000000000000003",
                                  method: "GET", path: balancePath, query: query,
                                  headers: [("Content-Type", "application/json"), ("Host", "127.0.0.1:18080"),
                                            ("X-Domain-Id", "0123456789abcdef0123456789abcdef"),
                                            ("X-Security-Token", "gQpjbi1ub3J0aC00EXAMPLETOKEN==")],
                                  timestamp: 1_735_646_400)
        XCTAssertEqual(s.sdkDate, "20241231T120000Z")
        XCTAssertEqual(s.canonicalRequest, """
            GET
            /v2/accounts/customer-accounts/balances/
            a=1&a=2&b=x%20y%2Fz~%2A&limit=10
            content-type:application/json
            host:127.0.0.1:18080
            x-domain-id:0123456789abcdef0123456789abcdef
            x-sdk-date:20241231T120000Z
            x-security-token:gQpjbi1ub3J0aC00EXAMPLETOKEN==

            content-type;host;x-domain-id;x-sdk-date;x-security-token
            \(emptyBodyHash)
            """)
        XCTAssertEqual(s.canonicalRequestHash, "9c583de2b0e4ec33de8344bf69265d16f86bf0acd478091b568166817dafdd49")
        XCTAssertEqual(s.stringToSign, "SDK-HMAC-SHA256\n20241231T120000Z\n9c583de2b0e4ec33de8344bf69265d16f86bf0acd478091b568166817dafdd49")
        XCTAssertEqual(s.authorization, "SDK-HMAC-SHA256 Access=HSTAEXAMPLEAK0000003, SignedHeaders=content-type;host;x-domain-id;x-sdk-date;x-security-token, Signature=65ae3598be1f0c5561cde04a94c6d5f70e8c67bc7503861e73920d1055da7319")
        // The SDK's request line carries the same canonical query.
        XCTAssertEqual(HuaweiSigner.canonicalQuery(query), "a=1&a=2&b=x%20y%2Fz~%2A&limit=10")
    }

    func testGoSDKVectorExcludesHeadersWithUnderscores() {
        let s = HuaweiSigner.sign(accessKey: "AccessKey", secretKey: "SecretKey", method: "GET", path: "/path",
                                  query: [("limit", "1")], headers: [("TEST_UNDERSCORE", "ignored")], timestamp: 1_136_214_245)
        XCTAssertEqual(s.sdkDate, "20060102T150405Z")
        XCTAssertEqual(s.canonicalRequest, "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n\(emptyBodyHash)")
        XCTAssertEqual(s.signedHeaders, "x-sdk-date")
        XCTAssertEqual(s.signature, "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624")
    }

    func testHeaderValuesAreTrimmedButKeepTheirCase() {
        let s = HuaweiSigner.sign(accessKey: "AK", secretKey: "SK", method: "GET", path: "/",
                                  headers: [("X-Domain-Id", "  AbCdEf \t"), ("HOST", "Example.COM")], timestamp: 0)
        XCTAssertTrue(s.canonicalRequest.contains("\nhost:Example.COM\nx-domain-id:AbCdEf\nx-sdk-date:19700101T000000Z\n\n"),
                      s.canonicalRequest)
    }

    func testCanonicalURIDecodesThenEncodesEachSegmentAndEndsInASlash() {
        XCTAssertEqual(HuaweiSigner.canonicalURI(""), "/")
        XCTAssertEqual(HuaweiSigner.canonicalURI("/"), "/")
        XCTAssertEqual(HuaweiSigner.canonicalURI("/a/b/"), "/a/b/")
        XCTAssertEqual(HuaweiSigner.canonicalURI("/prefix/v2/x%7Ey%20z"), "/prefix/v2/x~y%20z/")
        XCTAssertEqual(HuaweiSigner.canonicalURI("/a%2Fb/%E4%BD%A0*"), "/a/b/%E4%BD%A0%2A/", "a decoded / splits, as the SDK's unquote then split")
    }

    func testSDKDateAtTheEdgesOfADay() {
        XCTAssertEqual(HuaweiSigner.sdkDate(1_767_225_599), "20251231T235959Z")
        XCTAssertEqual(HuaweiSigner.sdkDate(1_767_225_600), "20260101T000000Z")
    }

    func testSecretKeyAppearsInNoSignedText() {
        let s = HuaweiSigner.sign(accessKey: "AKvisible", secretKey: "VERY-SECRET-KEY", method: "GET", path: "/",
                                  headers: [("Host", "h")], timestamp: 0)
        for text in [s.canonicalRequest, s.stringToSign, s.authorization] {
            XCTAssertFalse(text.contains("VERY-SECRET-KEY"))
        }
    }
}
