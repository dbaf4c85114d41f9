import BalanceTestSupport
import XCTest
@testable import BalanceCrypto
@testable import BalanceSimulators
@testable import BalanceTencentCloud

final class TC3SignerTests: XCTestCase {
    private let docBody = Array(#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#.utf8)

    // MARK: Vectors from the Tencent Cloud documentation (https://www.tencentcloud.com/document/api/1227/61798)

    func testOfficialDocumentationExampleWithActionHeader() {
        let s = TC3Signer.sign(secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", secretKey: "Gu5t9xGARNpq86cd98joQYCN3*******",
                               service: "cvm", host: "cvm.tencentcloudapi.com",
                               contentType: "application/json; charset=utf-8",
                               extraSignedHeaders: [("X-TC-Action", "DescribeInstances")],
                               payload: docBody, timestamp: 1551113065)
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /

            content-type:application/json; charset=utf-8
            host:cvm.tencentcloudapi.com
            x-tc-action:describeinstances

            content-type;host;x-tc-action
            35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064
            """)
        XCTAssertEqual(s.stringToSign, """
            TC3-HMAC-SHA256
            1551113065
            2019-02-25/cvm/tc3_request
            7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84
            """)
        XCTAssertEqual(s.signature, "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3")
    }

    func testEarlierDocumentationRevision() {
        let s = TC3Signer.sign(secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                               service: "cvm", host: "cvm.tencentcloudapi.com",
                               contentType: "application/json; charset=utf-8", payload: docBody, timestamp: 1551113065)
        XCTAssertTrue(s.stringToSign.hasSuffix("\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"))
        XCTAssertEqual(s.authorization, "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")
    }

    func testPlaceholderCredentialsEmptyBody() {
        let s = TC3Signer.sign(secretId: "MY_TC_SECRET_ID", secretKey: "MY_TC_SECRET_KEY", service: "cvm",
                               host: "cvm.tencentcloudapi.com", contentType: "application/json",
                               payload: Array("{}".utf8), timestamp: 1000000000)
        XCTAssertEqual(s.date, "2001-09-09")
        XCTAssertEqual(s.signature, "2c0b761dcdeacac29ac9d135f9f22b0fa52d4536d8b7727a8a515935c47eaea7")
    }

    // MARK: Vectors produced with the official Python SDK, tencentcloud-sdk-python-common 3.1.195
    //
    // The first three: `CommonClient(service, version, Credential(id, key), region,
    // profile=ClientProfile(httpProfile=HttpProfile(endpoint=...)))._build_req_with_tc3_signature(action,
    // params, RequestInternal(endpoint, "POST", "/"))` with `time.time` patched to the timestamp; the body is
    // the SDK's own `json.dumps(params)`. The last two: the SDK's `_get_tc3_signature` steps reproduced on raw
    // bytes (the SDK itself would escape non-ASCII in JSON and signs only content-type;host), keyed with
    // `tencentcloud.common.sign.Sign.sign_tc3`.

    func testSDKHostWithPort() {
        let s = TC3Signer.sign(secretId: "AKIDtest", secretKey: "secretKeyTest", service: "billing", host: "127.0.0.1:8443",
                               contentType: "application/json", payload: Array("{}".utf8), timestamp: 1800000000)
        XCTAssertEqual(s.authorization, "TC3-HMAC-SHA256 Credential=AKIDtest/2027-01-15/billing/tc3_request, SignedHeaders=content-type;host, Signature=fa799caec93f3deeb6ea839407b219a76c7024d558987c313cbd72824497eadb")
    }

    func testSDKStsServiceOneSecondBeforeMidnightUTC() {
        let body = #"{"RoleArn": "qcs::cam::uin/100000000001:roleName/reader", "RoleSessionName": "balance-exporter", "DurationSeconds": 7200}"#
        let s = TC3Signer.sign(secretId: "AKIDbase", secretKey: "baseSecret", service: "sts", host: "sts.tencentcloudapi.com",
                               contentType: "application/json", payload: Array(body.utf8), timestamp: 1767225599)
        XCTAssertEqual(s.authorization, "TC3-HMAC-SHA256 Credential=AKIDbase/2025-12-31/sts/tc3_request, SignedHeaders=content-type;host, Signature=2d0773b6224ed5d87e531d2a251937ac8e67e1358d2fa794acb7f8898de21766")
    }

    func testSDKMidnightUTCStartsTheNextDate() {
        let s = TC3Signer.sign(secretId: "AKIDmidnight", secretKey: "midnightKey", service: "billing",
                               host: "billing.intl.tencentcloudapi.com", contentType: "application/json",
                               payload: Array(#"{"TempCredit": true}"#.utf8), timestamp: 1767225600)
        XCTAssertEqual(s.authorization, "TC3-HMAC-SHA256 Credential=AKIDmidnight/2026-01-01/billing/tc3_request, SignedHeaders=content-type;host, Signature=dfd1faf9ac6aa27271a8945ae7950df1fe08005b5da5933a340243f84ea3e8dc")
    }

    func testSDKNonASCIIBodySignedAsRawUTF8() {
        let s = TC3Signer.sign(secretId: "AKIDutf8", secretKey: "utf8SecretKey", service: "billing", host: "billing.tencentcloudapi.com",
                               contentType: "application/json", payload: Array(#"{"Name":"未命名 – ünïcödé"}"#.utf8), timestamp: 1700000000)
        XCTAssertTrue(s.stringToSign.hasSuffix("\ne65f2285782ac3668afddc43af44d2b6d5d73d3951674fb9924a3e4d227e7663"))
        XCTAssertEqual(s.authorization, "TC3-HMAC-SHA256 Credential=AKIDutf8/2023-11-14/billing/tc3_request, SignedHeaders=content-type;host, Signature=3bf946dfe70c608c5fbee7db096b2cafdc2ffd88b8ceb2b657530d3017a96785")
    }

    func testSDKExtraSignedHeaderIsLowerCasedAndSorted() {
        let s = TC3Signer.sign(secretId: "AKIDextra", secretKey: "extraKey", service: "billing", host: "billing.tencentcloudapi.com",
                               contentType: "application/json", extraSignedHeaders: [("X-TC-Action", "DescribeAccountBalance")],
                               payload: Array("{}".utf8), timestamp: 1700000000)
        XCTAssertTrue(s.stringToSign.hasSuffix("\nb6439ecb771381db871c776b28b4c2efdfd58524ba0e620a366e01f5dd75263a"))
        XCTAssertEqual(s.authorization, "TC3-HMAC-SHA256 Credential=AKIDextra/2023-11-14/billing/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=6284548df284416c65887d0efc056f773964617a03fb92415906b6aa4278f8f0")
    }

    func testSecretKeyNeverAppearsInAnySignedText() {
        let s = TC3Signer.sign(secretId: "AKIDvisible", secretKey: "VERY-SECRET-KEY", service: "billing", host: "h",
                               contentType: "application/json", payload: [], timestamp: 0)
        for text in [s.canonicalRequest, s.stringToSign, s.authorization] {
            XCTAssertFalse(text.contains("VERY-SECRET-KEY"))
        }
    }
}
