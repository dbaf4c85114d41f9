import BalanceTestSupport
import XCTest
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceVolcengine

/// The requests exactly as sent: method, URL with the canonical query, the
/// headers in order, the body, and a Host header that is the one the
/// transport would send and the one signed.
final class VolcengineRequestTests: XCTestCase {
    private let permanent = VolcengineCredentials(accessKeyId: "AKLTEXAMPLEACCESSKEYID0000",
                                                  secretAccessKey: "EXAMPLESECRETACCESSKEY0000==", source: "test")

    private func url(_ text: String) throws -> HTTPURL { try XCTUnwrap(HTTPURL(string: text)) }

    /// The official SDK's vector V1 is exactly the balance request this builds.
    func testBalanceRequestIsTheSDKsRequestSignedAsTheVectorSays() throws {
        let request = VolcengineRequest.queryBalance(endpoint: try url("https://open.volcengineapi.com"), region: "cn-beijing",
                                                     credentials: permanent, timestamp: 1767323045, userAgent: "balance_exporter/test")
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString, "https://open.volcengineapi.com/?Action=QueryBalanceAcct&Version=2022-01-01")
        XCTAssertEqual(request.path, "/")
        XCTAssertEqual(request.body, Array("{}".utf8))
        XCTAssertEqual(request.headers.map { "\($0.0): \($0.1)" }, [
            "Host: open.volcengineapi.com",
            "Content-Type: application/json",
            "User-Agent: balance_exporter/test",
            "X-Date: 20260102T030405Z",
            "X-Content-Sha256: 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "Authorization: HMAC-SHA256 Credential=AKLTEXAMPLEACCESSKEYID0000/20260102/cn-beijing/billing/request, "
                + "SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=613a230fcb9dd7dccfd94cf1e5b4c0faea7975de0bfb195809db9d16a457d20a",
        ])
        let call = request.call
        XCTAssertEqual(call.url.requestTarget, "/?Action=QueryBalanceAcct&Version=2022-01-01")
        XCTAssertEqual(call.request.target, call.url.requestTarget)
    }

    func testHostIsWhatTheTransportSendsLowerCasedDefaultPortDropped() throws {
        for (endpoint, host) in [("https://OPEN.volcengineapi.com:443/", "open.volcengineapi.com"),
                                 ("http://127.0.0.1:18443", "127.0.0.1:18443"), ("http://127.0.0.1:80", "127.0.0.1"),
                                 ("https://[::1]:8443", "[::1]:8443"), ("https://billing.byteplusapi.com:8443", "billing.byteplusapi.com:8443")] {
            let request = VolcengineRequest.queryBalance(endpoint: try url(endpoint), region: "cn-beijing", credentials: permanent,
                                                         timestamp: 1767323045, userAgent: "ua")
            XCTAssertEqual(request.headers.first?.1, host, endpoint)
            XCTAssertEqual(request.url.hostHeader.lowercased(), host, endpoint)
            XCTAssertTrue(request.signature.canonicalRequest.contains("\nhost:\(host)\n"), endpoint)
        }
    }

    func testTemporaryCredentialsSendAndSignTheirToken() throws {
        let temporary = VolcengineCredentials(accessKeyId: "AKTPEXAMPLESTSACCESSKEY000", secretAccessKey: "STSSECRETEXAMPLE/+=",
                                              sessionToken: "STSeyJFeGFtcGxlIjoidG9rZW4ifQ==", expiresAt: 1772283600, source: "test")
        let request = VolcengineRequest.queryBalance(endpoint: try url("https://127.0.0.1:18443"), region: "cn-beijing",
                                                     credentials: temporary, timestamp: 1772280000, userAgent: "ua")
        XCTAssertEqual(request.headers.map(\.0), ["Host", "Content-Type", "User-Agent", "X-Date", "X-Content-Sha256",
                                                  "X-Security-Token", "Authorization"])
        XCTAssertEqual(request.headers[5].1, "STSeyJFeGFtcGxlIjoidG9rZW4ifQ==")
        XCTAssertEqual(request.signature.signedHeaders, "content-type;host;x-content-sha256;x-date;x-security-token")
    }

    func testAssumeRoleIsAGetWithItsParametersInTheSignedQuery() throws {
        let role = VolcengineRole(trn: "trn:iam::2100000000:role/balance reader", sessionName: "balance-exporter")
        let request = VolcengineRequest.assumeRole(endpoint: try url("https://sts.volcengineapi.com"), region: "cn-beijing", role: role,
                                                   credentials: permanent, timestamp: 1767323045, userAgent: "ua")
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.query, "Action=AssumeRole&DurationSeconds=3600&RoleSessionName=balance-exporter"
            + "&RoleTrn=trn%3Aiam%3A%3A2100000000%3Arole%2Fbalance%20reader&Version=2018-01-01")
        XCTAssertEqual(request.body, [])
        XCTAssertEqual(request.headers.map(\.0), ["Host", "User-Agent", "X-Date", "X-Content-Sha256", "Authorization"])
        XCTAssertEqual(request.signature.signedHeaders, "host;x-content-sha256;x-date")
        XCTAssertEqual(request.signature.credentialScope, "20260102/cn-beijing/sts/request")
        XCTAssertTrue(request.signature.canonicalRequest.hasPrefix("GET\n/\n\(request.query)\nhost:sts.volcengineapi.com\n"))
    }
}
