import BalanceTestSupport
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// ACS3-HMAC-SHA256 against the vectors the official Python SDK's own signer
/// (`alibabacloud_tea_openapi.utils.Utils.get_authorization`, tea-openapi
/// 0.4.6) produced, every intermediate text included, and the official
/// unit test's repeated-header vector (aliyun/darabonba-openapi-util).
final class AlibabaSignerTests: XCTestCase {
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let keyID = "LTAI5tTESTACCESSKEYID01"
    static let secret = "TestAccessKeySecret000000000001"

    private func sign(id: String = keyID, secret: String = secret, query: [(name: String, value: String)] = [],
                      _ headers: [(name: String, value: String)]) -> AlibabaSigner.Signature {
        AlibabaSigner.sign(accessKeyId: id, accessKeySecret: secret, method: "POST", path: "/", query: query, headers: headers,
                           payload: [])
    }

    func testV1QueryAccountBalanceChinaSiteAccessKeyOnly() {
        let s = sign([
            ("host", "business.aliyuncs.com"), ("x-acs-action", "QueryAccountBalance"), ("x-acs-version", "2017-12-14"),
            ("x-acs-date", "2026-01-02T03:04:05Z"), ("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"),
            ("x-acs-content-sha256", Self.emptyHash),
        ])
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /

            host:business.aliyuncs.com
            x-acs-action:QueryAccountBalance
            x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-acs-date:2026-01-02T03:04:05Z
            x-acs-signature-nonce:0123456789abcdef0123456789abcdef
            x-acs-version:2017-12-14

            host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(s.hashedCanonicalRequest, "73555ca4f3112ed6d16987dc8da16619b919e35b5a8c23677efdbe60c4457ea3")
        XCTAssertEqual(s.stringToSign, "ACS3-HMAC-SHA256\n73555ca4f3112ed6d16987dc8da16619b919e35b5a8c23677efdbe60c4457ea3")
        XCTAssertEqual(s.signedHeaders, "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version")
        XCTAssertEqual(s.signature, "841189de8523de61b5f6e8cf0c691cc650c1f2088d138921bf6e8bfcac1ad61d")
        XCTAssertEqual(s.authorization, "ACS3-HMAC-SHA256 Credential=LTAI5tTESTACCESSKEYID01,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=841189de8523de61b5f6e8cf0c691cc650c1f2088d138921bf6e8bfcac1ad61d")
    }

    func testV2InternationalSiteWithSTSCredentials() {
        let s = sign(id: "STS.NUgYrLnoC37mZZCNnAbez2", secret: "StsSecretForTestVector2222222222", [
            ("host", "business.ap-southeast-1.aliyuncs.com"), ("x-acs-action", "QueryAccountBalance"),
            ("x-acs-version", "2017-12-14"), ("x-acs-date", "2026-01-02T03:04:05Z"),
            ("x-acs-signature-nonce", "fedcba9876543210fedcba9876543210"), ("x-acs-content-sha256", Self.emptyHash),
            ("x-acs-accesskey-id", "STS.NUgYrLnoC37mZZCNnAbez2"), ("x-acs-security-token", "CAIS+token/with+slash=and=equals"),
        ])
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /

            host:business.ap-southeast-1.aliyuncs.com
            x-acs-accesskey-id:STS.NUgYrLnoC37mZZCNnAbez2
            x-acs-action:QueryAccountBalance
            x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-acs-date:2026-01-02T03:04:05Z
            x-acs-security-token:CAIS+token/with+slash=and=equals
            x-acs-signature-nonce:fedcba9876543210fedcba9876543210
            x-acs-version:2017-12-14

            host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(s.stringToSign, "ACS3-HMAC-SHA256\ndbdb802eff4888e0984feebf44513dee2d72d46b192afcfc1c15104dd2c89ee5")
        XCTAssertEqual(s.authorization, "ACS3-HMAC-SHA256 Credential=STS.NUgYrLnoC37mZZCNnAbez2,SignedHeaders=host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=4f8961eff723b19422ddae3e4d323b737546eca710f08832e63377708f8ae5b4")
    }

    func testV3GetCallerIdentityEncodesTheQueryRFC3986Style() {
        let s = sign(query: [("Note", "a b*c~d/e+f")], [
            ("host", "sts.aliyuncs.com"), ("x-acs-action", "GetCallerIdentity"), ("x-acs-version", "2015-04-01"),
            ("x-acs-date", "2026-01-02T03:04:05Z"), ("x-acs-signature-nonce", "00000000000000000000000000000003"),
            ("x-acs-content-sha256", Self.emptyHash), ("accept", "application/json"), ("user-agent", "balance_exporter/1.0"),
        ])
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /
            Note=a%20b%2Ac~d%2Fe%2Bf
            accept:application/json
            host:sts.aliyuncs.com
            user-agent:balance_exporter/1.0
            x-acs-action:GetCallerIdentity
            x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-acs-date:2026-01-02T03:04:05Z
            x-acs-signature-nonce:00000000000000000000000000000003
            x-acs-version:2015-04-01

            accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(s.stringToSign, "ACS3-HMAC-SHA256\nb704b847af611a0d5291c309133175b775205f3c8bbf314e7e2741adb5e89c79")
        XCTAssertEqual(s.authorization, "ACS3-HMAC-SHA256 Credential=LTAI5tTESTACCESSKEYID01,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=32b5fa93b3d29ba5037dd3dda810ce3ea135ddef1d9d460a96296030a005c30e")
    }

    /// The example of Alibaba's V3 signature page, which prints this signature.
    func testV4DocumentationExampleRunInstances() {
        let s = sign(id: "YourAccessKeyId", secret: "YourAccessKeySecret",
                     query: [("RegionId", "cn-shanghai"), ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")], [
            ("host", "ecs.cn-shanghai.aliyuncs.com"), ("x-acs-action", "RunInstances"), ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T09:01:01Z"), ("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
            ("x-acs-content-sha256", Self.emptyHash),
        ])
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /
            ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai
            host:ecs.cn-shanghai.aliyuncs.com
            x-acs-action:RunInstances
            x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-acs-date:2023-10-26T09:01:01Z
            x-acs-signature-nonce:d410180a5abf7fe235dd9b74aca91fc0
            x-acs-version:2014-05-26

            host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(s.hashedCanonicalRequest, "29622f5feb1e9fcaaa2e276a72889c975f7b16f00e02be1ca34965b18cd85015")
        XCTAssertEqual(s.signature, "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804")
    }

    /// The exact headers the official BSS client sent, user agent and
    /// `x-acs-credentials-provider` included.
    func testV5TheOfficialBSSClientsRequest() {
        let s = sign([
            ("accept", "application/json"), ("host", "business.aliyuncs.com"),
            ("user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"),
            ("x-acs-action", "QueryAccountBalance"), ("x-acs-content-sha256", Self.emptyHash),
            ("x-acs-credentials-provider", "static_ak"), ("x-acs-date", "2026-01-02T03:04:05Z"),
            ("x-acs-signature-nonce", "55555555555555555555555555555555"), ("x-acs-version", "2017-12-14"),
        ])
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /

            accept:application/json
            host:business.aliyuncs.com
            user-agent:AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2
            x-acs-action:QueryAccountBalance
            x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-acs-credentials-provider:static_ak
            x-acs-date:2026-01-02T03:04:05Z
            x-acs-signature-nonce:55555555555555555555555555555555
            x-acs-version:2017-12-14

            accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(s.stringToSign, "ACS3-HMAC-SHA256\n5f7fdc110a4f0ab1bdca1d88e0f545263e5b6a73a020de1f49b1cc601d2a3371")
        XCTAssertEqual(s.authorization, "ACS3-HMAC-SHA256 Credential=LTAI5tTESTACCESSKEYID01,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e10df1b9d697f7d3a36190b1b7bf4b8bd64e2c381d5b85b8ba6ece42367b609c")
    }

    /// A header sent twice under names differing in case is one canonical
    /// header with its values sorted and joined. The vector comes from the
    /// older darabonba-openapi-util, which wrote an empty path as an empty
    /// line and an empty query value as `empty` (no `=`); the current SDK, which
    /// made V1 to V5, writes `/` and `empty=`, as this signer does. So the
    /// vector's signature is checked over our canonical headers in the old layout.
    func testOfficialUnitTestRepeatedHeader() {
        let payload = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23"
        let s = AlibabaSigner.sign(accessKeyId: "acesskey", accessKeySecret: "secret", method: "GET", path: "",
                                   query: [("test", "ok"), ("empty", "")],
                                   headers: [("x-acs-test", "http"), ("x-acs-TEST", "https")], hashedPayload: payload)
        XCTAssertEqual(s.canonicalRequest, "GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n\(payload)")
        XCTAssertEqual(s.signedHeaders, "x-acs-test")
        let lines = s.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        let canonicalHeaders = lines[3..<(lines.count - 3)].map { "\($0)\n" }.joined()
        let oldLayout = "GET\n\nempty&test=ok\n\(canonicalHeaders)\n\(s.signedHeaders)\n\(payload)"
        let signature = Hex.encode(HMAC.sha256(key: Array("secret".utf8),
                                               message: "ACS3-HMAC-SHA256\n" + Hex.encode(SHA256.hash(oldLayout))))
        XCTAssertEqual("ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=\(s.signedHeaders),Signature=\(signature)",
                       "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=da772425f29289d3460d5fc961455d40c5e8c6afd0888b78a910c991e6a14846")
    }

    func testHeaderValuesAreTrimmedButKeepTheirCase() {
        let padded = sign([("Host", "  business.aliyuncs.com\t"), ("X-Acs-Action", " QueryAccountBalance ")])
        XCTAssertEqual(padded.signedHeaders, "host;x-acs-action")
        XCTAssertTrue(padded.canonicalRequest.contains("\nhost:business.aliyuncs.com\nx-acs-action:QueryAccountBalance\n"),
                      padded.canonicalRequest)
        XCTAssertNotEqual(padded.signature, sign([("host", "business.aliyuncs.com"), ("x-acs-action", "queryaccountbalance")]).signature)
    }

    func testPercentEncodingOfNonASCIIAndReservedCharacters() {
        XCTAssertEqual(AlibabaSigner.percentEncode("AZaz09-_.~"), "AZaz09-_.~")
        XCTAssertEqual(AlibabaSigner.percentEncode("a b*c/d+e=f&g%"), "a%20b%2Ac%2Fd%2Be%3Df%26g%25")
        XCTAssertEqual(AlibabaSigner.percentEncode("余额"), "%E4%BD%99%E9%A2%9D")
        XCTAssertEqual(AlibabaSigner.canonicalQuery([("b", "2"), ("a", "2"), ("a", "1"), ("A", "0")]), "A=0&a=1&a=2&b=2")
    }

    func testSecretNeverAppearsInAnySignedText() {
        let s = sign(secret: "VERY-SECRET-ACCESS-KEY", [("host", "h"), ("x-acs-date", "2026-01-02T03:04:05Z")])
        for text in [s.canonicalRequest, s.stringToSign, s.authorization] {
            XCTAssertFalse(text.contains("VERY-SECRET-ACCESS-KEY"))
        }
    }
}
