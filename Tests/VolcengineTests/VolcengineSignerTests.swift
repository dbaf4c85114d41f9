import BalanceTestSupport
import XCTest
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceVolcengine

/// The signer against the vectors made with the official SDK signers
/// (volcenginesdk-core 5.0.54 `SignerV4.sign`, confirmed by volc-sdk-python
/// 1.0.229 `SignerV4.sign_only`), every intermediate value included.
final class VolcengineSignerTests: XCTestCase {
    private let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    private let braceSHA256 = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

    /// V1: QueryBalanceAcct as the SDK sends it, POST `{}`, open.volcengineapi.com, cn-beijing, 2026-01-02T03:04:05Z.
    func testSDKVectorPostJSONBody() {
        let s = VolcengineSigner.sign(accessKeyId: "AKLTEXAMPLEACCESSKEYID0000", secretAccessKey: "EXAMPLESECRETACCESSKEY0000==",
                                      sessionToken: nil, region: "cn-beijing", service: "billing", method: "POST", path: "/",
                                      query: [("Action", "QueryBalanceAcct"), ("Version", "2022-01-01")],
                                      headers: [("Content-Type", "application/json"), ("Host", "open.volcengineapi.com")],
                                      body: Array("{}".utf8), timestamp: 1767323045)
        XCTAssertEqual(s.xDate, "20260102T030405Z")
        XCTAssertEqual(s.contentSHA256, braceSHA256)
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /
            Action=QueryBalanceAcct&Version=2022-01-01
            content-type:application/json
            host:open.volcengineapi.com
            x-content-sha256:\(braceSHA256)
            x-date:20260102T030405Z

            content-type;host;x-content-sha256;x-date
            \(braceSHA256)
            """)
        XCTAssertEqual(s.credentialScope, "20260102/cn-beijing/billing/request")
        XCTAssertEqual(s.stringToSign, """
            HMAC-SHA256
            20260102T030405Z
            20260102/cn-beijing/billing/request
            964fc04f63d1d93c7a689a38e3f1783d2a4de271444bc28c1528cbc90adc72c2
            """)
        XCTAssertEqual(s.signingKey, "13b8a7b46ee5d5a815e9e318ccbd1067cc9905822c5e0003e0127c1ff04e4559")
        XCTAssertEqual(s.signature, "613a230fcb9dd7dccfd94cf1e5b4c0faea7975de0bfb195809db9d16a457d20a")
        XCTAssertEqual(s.authorization, "HMAC-SHA256 Credential=AKLTEXAMPLEACCESSKEYID0000/20260102/cn-beijing/billing/request, "
            + "SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=613a230fcb9dd7dccfd94cf1e5b4c0faea7975de0bfb195809db9d16a457d20a")
        XCTAssertEqual(s.headers.map { "\($0.0): \($0.1)" }, [
            "X-Date: 20260102T030405Z", "X-Content-Sha256: \(braceSHA256)", "Authorization: \(s.authorization)",
        ])
    }

    /// V2: the documented GET form, empty body, the query given as Version&Action
    /// (canonicalised sorted), one second before midnight UTC, cn-north-1.
    func testSDKVectorDocumentedGetWithUnsortedQuery() {
        let s = VolcengineSigner.sign(accessKeyId: "AKLTEXAMPLEACCESSKEYID0000", secretAccessKey: "EXAMPLESECRETACCESSKEY0000==",
                                      sessionToken: nil, region: "cn-north-1", service: "billing", method: "GET", path: "/",
                                      query: [("Version", "2022-01-01"), ("Action", "QueryBalanceAcct")],
                                      headers: [("Host", "billing.volcengineapi.com")], body: [], timestamp: 1767225599)
        XCTAssertEqual(s.xDate, "20251231T235959Z")
        XCTAssertEqual(s.contentSHA256, emptySHA256)
        XCTAssertEqual(s.canonicalRequest, """
            GET
            /
            Action=QueryBalanceAcct&Version=2022-01-01
            host:billing.volcengineapi.com
            x-content-sha256:\(emptySHA256)
            x-date:20251231T235959Z

            host;x-content-sha256;x-date
            \(emptySHA256)
            """)
        XCTAssertEqual(s.stringToSign, """
            HMAC-SHA256
            20251231T235959Z
            20251231/cn-north-1/billing/request
            42ca595ccefe5c9538df7da647f4aa7ef1c64be27daebbd3079b45c41ddad0d0
            """)
        XCTAssertEqual(s.signingKey, "cac618120fac7be80519e04d3007ca9588639783eeed8bdf1315871dbb88760a")
        XCTAssertEqual(s.signature, "a01b5cae05f21e3108ef35ba05389c72482997e8f8acc73bcf27e1a2938efde8")
        XCTAssertEqual(s.authorization, "HMAC-SHA256 Credential=AKLTEXAMPLEACCESSKEYID0000/20251231/cn-north-1/billing/request, "
            + "SignedHeaders=host;x-content-sha256;x-date, Signature=a01b5cae05f21e3108ef35ba05389c72482997e8f8acc73bcf27e1a2938efde8")
    }

    /// V3: STS credentials (X-Security-Token signed, its value's case kept), a host with a non-default port,
    /// a Content-Type with parameters.
    func testSDKVectorTemporaryCredentialsAndPort() {
        let token = "STSeyJFeGFtcGxlIjoidG9rZW4ifQ=="
        let s = VolcengineSigner.sign(accessKeyId: "AKTPEXAMPLESTSACCESSKEY000", secretAccessKey: "STSSECRETEXAMPLE/+=",
                                      sessionToken: token, region: "cn-beijing", service: "billing", method: "POST", path: "/",
                                      query: [("Action", "QueryBalanceAcct"), ("Version", "2022-01-01")],
                                      headers: [("Content-Type", "application/json; charset=utf-8"), ("Host", "127.0.0.1:18443")],
                                      body: Array("{}".utf8), timestamp: 1772280000)
        XCTAssertEqual(s.xDate, "20260228T120000Z")
        XCTAssertEqual(s.canonicalRequest, """
            POST
            /
            Action=QueryBalanceAcct&Version=2022-01-01
            content-type:application/json; charset=utf-8
            host:127.0.0.1:18443
            x-content-sha256:\(braceSHA256)
            x-date:20260228T120000Z
            x-security-token:\(token)

            content-type;host;x-content-sha256;x-date;x-security-token
            \(braceSHA256)
            """)
        XCTAssertEqual(s.stringToSign, """
            HMAC-SHA256
            20260228T120000Z
            20260228/cn-beijing/billing/request
            435f91f91b15b21beb80f442118e139e0a6dc23f8ed6565358301ba7cde22b9f
            """)
        XCTAssertEqual(s.signingKey, "39f18462f66809bbc58ee5c9e21636ea4a7dbf862d6aa0ab5f8c8e9b685f06b6")
        XCTAssertEqual(s.signature, "e8810fa1890cdc0ef2d61e7ccab8514090c6c7ad9aeea3121a62c406a400b533")
        XCTAssertEqual(s.authorization, "HMAC-SHA256 Credential=AKTPEXAMPLESTSACCESSKEY000/20260228/cn-beijing/billing/request, "
            + "SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token, Signature=e8810fa1890cdc0ef2d61e7ccab8514090c6c7ad9aeea3121a62c406a400b533")
        XCTAssertEqual(s.headers.map(\.0), ["X-Date", "X-Content-Sha256", "X-Security-Token", "Authorization"])
        XCTAssertEqual(s.headers[2].1, token)
    }

    // MARK: Canonical form beyond the vectors

    func testOnlyHostContentTypeAndXHeadersAreSignedValuesTrimmedNotLowerCased() {
        let s = VolcengineSigner.sign(accessKeyId: "AK", secretAccessKey: "SK", sessionToken: nil, region: "r", service: "billing",
                                      method: "POST", path: "", query: [],
                                      headers: [("Host", "Example.COM"), ("User-Agent", "balance_exporter/1"), ("Accept", "*/*"),
                                                ("X-Custom", "  Mixed Case  "), ("Content-Type", "Application/JSON")],
                                      body: [], timestamp: 0)
        XCTAssertEqual(s.signedHeaders, "content-type;host;x-content-sha256;x-custom;x-date")
        XCTAssertTrue(s.canonicalRequest.hasPrefix("POST\n/\n\ncontent-type:Application/JSON\nhost:Example.COM\n"), s.canonicalRequest)
        XCTAssertTrue(s.canonicalRequest.contains("\nx-custom:Mixed Case\n"), s.canonicalRequest)
        XCTAssertEqual(s.xDate, "19700101T000000Z")
    }

    /// Sorted by the raw key (not its encoding: `Ü` after `R`, though `%C3` sorts first), values of
    /// one key in their order, as the SDKs' `norm_query` does.
    func testQueryIsSortedByRawKeyAndPercentEncodedPerRFC3986() {
        XCTAssertEqual(VolcengineSigner.canonicalQuery([
            ("RoleTrn", "trn:iam::2100000000:role/reader"), ("RoleSessionName", "a b+c~d_e.f-g"), ("B", "2"), ("B", "1"),
            ("Ünï", "é/?&="),
        ]), "B=2&B=1&RoleSessionName=a%20b%2Bc~d_e.f-g&RoleTrn=trn%3Aiam%3A%3A2100000000%3Arole%2Freader"
            + "&%C3%9Cn%C3%AF=%C3%A9%2F%3F%26%3D")
        XCTAssertEqual(VolcengineSigner.canonicalQuery([]), "")
    }
}
