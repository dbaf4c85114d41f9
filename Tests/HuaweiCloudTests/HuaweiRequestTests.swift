import BalanceTestSupport
import XCTest
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud
@testable import BalanceSimulators

/// The requests exactly as they go on the wire: method, path, headers in
/// order, signature over the Host the transport sends.
final class HuaweiRequestTests: XCTestCase {
    private let permanent = HuaweiCredentials(accessKey: "HPUAEXAMPLEAK0000002", secretKey: "EXAMPLESK0000000000000000000000000000002",
                                              source: "test")

    private func url(_ text: String) throws -> HTTPURL { try XCTUnwrap(HTTPURL(string: text)) }

    func testBalanceRequestIsTheReferenceVectorV2Whole() throws {
        let request = HuaweiRequest.balance(endpoint: try url(HuaweiCloud.internationalEndpoint), credentials: permanent,
                                            domainId: "0123456789abcdef0123456789abcdef", userAgent: "balance_exporter/1.0",
                                            timestamp: 1_709_251_199)
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.url.absoluteString, "https://bss-intl.myhuaweicloud.com/v2/accounts/customer-accounts/balances",
                       "the request line has no trailing slash: it is added for signing only")
        XCTAssertNil(request.query)
        XCTAssertEqual(request.body, [])
        XCTAssertEqual(request.headers.map { [$0.0, $0.1] }, [
            ["Host", "bss-intl.myhuaweicloud.com"], ["Content-Type", "application/json"], ["User-Agent", "balance_exporter/1.0"],
            ["X-Domain-Id", "0123456789abcdef0123456789abcdef"], ["X-Sdk-Date", "20240229T235959Z"],
            ["Authorization", "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000002, SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, Signature=dbe4324c7dede570f9d83916cae8438ca6da1e972ed64f756cf6c1e9da323502"],
        ])
        let call = request.call
        XCTAssertEqual(call.url, request.url)
        XCTAssertEqual(call.request.headers, HTTPHeaders(request.headers))
    }

    func testTemporaryKeysSendAndSignTheSecurityTokenAndAPortIsInTheSignedHost() throws {
        let temporary = HuaweiCredentials(accessKey: "HSTAEXAMPLE", secretKey: "sk", securityToken: "tok==", expiresAt: 1, source: "metadata")
        let request = HuaweiRequest.balance(endpoint: try url("http://127.0.0.1:18080"), credentials: temporary, domainId: nil,
                                            userAgent: "ua", timestamp: 1_735_646_400)
        XCTAssertEqual(request.headers.first?.1, "127.0.0.1:18080")
        XCTAssertEqual(request.headers.first { $0.0 == "X-Security-Token" }?.1, "tok==")
        XCTAssertNil(request.headers.first { $0.0 == "X-Domain-Id" }, "no domain id known: none sent")
        XCTAssertEqual(request.signature?.signedHeaders, "content-type;host;user-agent;x-sdk-date;x-security-token")
        XCTAssertEqual(request.headers.last?.0, "Authorization")
    }

    func testHostHeaderIsWhatTheTransportSendsForDefaultPortsAndIPv6() throws {
        let onDefaultPort = HuaweiRequest.balance(endpoint: try url("https://bss.myhuaweicloud.com:443/"), credentials: permanent,
                                                  domainId: nil, userAgent: "ua", timestamp: 0)
        XCTAssertEqual(onDefaultPort.headers.first?.1, "bss.myhuaweicloud.com")
        let v6 = HuaweiRequest.balance(endpoint: try url("http://[::1]:9000"), credentials: permanent, domainId: nil,
                                       userAgent: "ua", timestamp: 0)
        XCTAssertEqual(v6.headers.first?.1, "[::1]:9000")
        XCTAssertTrue(v6.signature?.canonicalRequest.contains("\nhost:[::1]:9000\n") ?? false)
    }

    func testEndpointPathIsAPrefixAndItsQueryIsDropped() throws {
        let request = HuaweiRequest.balance(endpoint: try url("https://proxy.example/huawei/?x=1"), credentials: permanent,
                                            domainId: nil, userAgent: "ua", timestamp: 0)
        XCTAssertEqual(request.url.absoluteString, "https://proxy.example/huawei/v2/accounts/customer-accounts/balances")
        XCTAssertTrue(request.signature?.canonicalRequest.hasPrefix("GET\n/huawei/v2/accounts/customer-accounts/balances/\n\n") ?? false)
    }

    func testDomainsRequestIsSignedForIAMWithoutADomainId() throws {
        let request = HuaweiRequest.domains(iamEndpoint: try url(HuaweiCloud.defaultIAMEndpoint), credentials: permanent,
                                            userAgent: "ua", timestamp: 0)
        XCTAssertEqual(request.url.absoluteString, "https://iam.myhuaweicloud.com/v3/auth/domains")
        XCTAssertEqual(request.headers.map(\.0), ["Host", "Content-Type", "User-Agent", "X-Sdk-Date", "Authorization"])
        XCTAssertEqual(request.headers.first?.1, "iam.myhuaweicloud.com")
    }

    func testMetadataRequestsAreUnsigned() throws {
        let endpoint = try url(HuaweiCloud.defaultMetadataEndpoint)
        let token = HuaweiRequest.metadataToken(metadataEndpoint: endpoint)
        XCTAssertEqual(token.method, "PUT")
        XCTAssertEqual(token.url.absoluteString, "http://169.254.169.254/meta-data/latest/api/token")
        XCTAssertEqual(token.headers.map { [$0.0, $0.1] }, [["Host", "169.254.169.254"], ["X-Metadata-Token-Ttl-Seconds", "21600"]])
        XCTAssertNil(token.signature)
        let keys = HuaweiRequest.securityKey(metadataEndpoint: endpoint, metadataToken: "session")
        XCTAssertEqual(keys.url.absoluteString, "http://169.254.169.254/openstack/latest/securitykey")
        XCTAssertEqual(keys.headers.map { [$0.0, $0.1] }, [["Host", "169.254.169.254"], ["X-Metadata-Token", "session"]])
        XCTAssertEqual(HuaweiRequest.securityKey(metadataEndpoint: endpoint, metadataToken: nil).headers.count, 1)
    }

    func testCredentialsNeverPrintTheirSecrets() {
        let credentials = HuaweiCredentials(accessKey: "AKID", secretKey: "SECRET-SK", securityToken: "SECRET-TOKEN", source: "test")
        XCTAssertFalse("\(credentials)".contains("SECRET"))
        XCTAssertEqual(credentials.secrets, ["SECRET-SK", "SECRET-TOKEN"])
    }
}
