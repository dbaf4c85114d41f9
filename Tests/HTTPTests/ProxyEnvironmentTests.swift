import BalanceTestSupport
import XCTest
@testable import BalanceHTTP
@testable import BalanceSupport

/// Proxy selection case by case against golang.org/x/net/http/httpproxy's
/// documented rules and its own test table (proxy_test.go:
/// https://github.com/golang/net/blob/master/http/httpproxy/proxy_test.go).
final class ProxyEnvironmentTests: XCTestCase {
    private func url(_ text: String) -> HTTPURL {
        guard let url = HTTPURL(string: text) else { preconditionFailure(text) }
        return url
    }

    private func chosen(_ environment: [String: String], _ target: String = "http://example.com") throws -> String? {
        try ProxyEnvironment(environment).proxy(for: url(target))?.redacted
    }

    func testProxyVariablesAsGoReadsThem() throws {
        XCTAssertEqual(try chosen(["HTTP_PROXY": "127.0.0.1:8080"]), "http://127.0.0.1:8080")
        XCTAssertEqual(try chosen(["HTTP_PROXY": "cache.corp.example.com:1234"]), "http://cache.corp.example.com:1234")
        XCTAssertEqual(try chosen(["HTTP_PROXY": "cache.corp.example.com"]), "http://cache.corp.example.com:80")
        XCTAssertEqual(try chosen(["HTTP_PROXY": "localhost"]), "http://localhost:80")
        XCTAssertEqual(try chosen(["HTTP_PROXY": "http://127.0.0.1:8080"]), "http://127.0.0.1:8080")
        // http upstreams use HTTP_PROXY, https ones HTTPS_PROXY; neither falls back to the other.
        let both = ["HTTP_PROXY": "http.proxy.tld", "HTTPS_PROXY": "secure.proxy.tld"]
        XCTAssertEqual(try chosen(both, "http://insecure.tld/"), "http://http.proxy.tld:80")
        XCTAssertEqual(try chosen(both, "https://secure.tld/"), "http://secure.proxy.tld:80")
        XCTAssertNil(try chosen(["HTTP_PROXY": "http.proxy.tld"], "https://secure.tld/"))
        XCTAssertNil(try chosen(["HTTPS_PROXY": "secure.proxy.tld"], "http://insecure.tld/"))
        XCTAssertNil(try chosen([:]))
        // Upper case first, then lower case; an empty value is unset.
        XCTAssertEqual(try chosen(["HTTP_PROXY": "upper:1", "http_proxy": "lower:2"]), "http://upper:1")
        XCTAssertEqual(try chosen(["HTTP_PROXY": "", "http_proxy": "lower:2"]), "http://lower:2")
        XCTAssertEqual(try chosen(["https_proxy": "lower:3"], "https://a.example"), "http://lower:3")
        XCTAssertEqual(try chosen(["NO_PROXY": "", "no_proxy": "example.com", "HTTP_PROXY": "proxy"]), nil)
    }

    func testNoProxyDomains() throws {
        func direct(_ noProxy: String, _ target: String) throws -> Bool {
            try chosen(["NO_PROXY": noProxy, "HTTP_PROXY": "proxy"], target) == nil
        }
        XCTAssertTrue(try direct("example.com", "http://example.com/"))
        XCTAssertFalse(try direct(".example.com", "http://example.com/"), "a leading dot: subdomains only (curl: example.com too)")
        XCTAssertFalse(try direct("ample.com", "http://example.com/"), "not a label boundary")
        XCTAssertTrue(try direct("example.com", "http://foo.example.com/"))
        XCTAssertFalse(try direct(".foo.com", "http://example.com/"))
        XCTAssertTrue(try direct("EXAMPLE.com", "http://Foo.Example.COM/"), "case does not matter")
        XCTAssertTrue(try direct(" other.org , example.com ", "http://example.com/"), "spaces around entries")
        XCTAssertTrue(try direct("*", "http://anything.example/"))
        XCTAssertTrue(try direct("example.com:8080", "http://example.com:8080/"), "a port must match (curl: no ports)")
        XCTAssertFalse(try direct("example.com:8080", "http://example.com/"))
        XCTAssertNil(try chosen(["NO_PROXY": "example.com:443", "HTTPS_PROXY": "proxy"], "https://example.com/"), "the scheme's default port")
        XCTAssertFalse(try direct(":1", "http://example.com/"), "a malformed entry is skipped")
    }

    /// httpproxy's TestUseProxy table, with its NO_PROXY.
    func testGoUseProxyTable() throws {
        let environment = try ProxyEnvironment(["NO_PROXY": "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64"])
        let table: [(String, Bool)] = [
            // Never proxy localhost.
            ("localhost", false), ("127.0.0.1", false), ("127.0.0.2", false), ("::1", false), ("::2", true),
            ("192.168.1.1", false), ("192.168.1.2", true), ("192.168.1.3", false), ("192.168.1.4", true),
            ("10.0.0.2", false), ("10.0.0.4", true),
            ("2001:db8::52:0:1", false), ("2001:db8::52:0:2", true), ("2001:db8::52:0:3", false),
            ("2002:db8:a::123", false), ("fe80::424b:c8be:1643:a1b6", true),
            ("barbaz.net", true), ("www.barbaz.net", false), ("foobar.com", false), ("www.foobar.com", false),
            ("foofoobar.com", true), ("baz.com", true), ("localhost.net", true), ("local.localhost", true),
            ("barbarbaz.net", true), ("wildcard.io", true), ("nested.wildcard.io", false), ("awildcard.io", true),
        ]
        for (host, proxied) in table {
            XCTAssertEqual(!environment.bypasses(host: host, port: 80), proxied, host)
        }
        let all = try ProxyEnvironment(["NO_PROXY": "*"])
        for (host, _) in table { XCTAssertTrue(all.bypasses(host: host, port: 80), host) }
        XCTAssertTrue(environment.bypasses(host: "::ffff:10.0.0.1", port: 80), "an IPv4-mapped address is its IPv4 address")
    }

    func testConfigurationOverridesAndMetadataHosts() throws {
        let environment = try ProxyEnvironment(["HTTPS_PROXY": "http://env-proxy:3128", "HTTP_PROXY": "http://env-proxy:3128"])
        let api = url("https://billing.tencentcloudapi.com/")
        XCTAssertEqual(ProxySelection.proxy(for: api, setting: .environment, environment: environment)?.redacted, "http://env-proxy:3128")
        // Per account wins over the top level; "" turns the environment's proxy off.
        let accountProxy = try ProxySetting(account: "http://account-proxy:8080", topLevel: "http://top-proxy:8080")
        XCTAssertEqual(ProxySelection.proxy(for: api, setting: accountProxy, environment: environment)?.authority, "account-proxy:8080")
        XCTAssertEqual(try ProxySetting(account: nil, topLevel: "http://top-proxy:8080"), .proxy(try ProxyURL.parse("top-proxy:8080")))
        XCTAssertEqual(try ProxySetting(account: "", topLevel: "http://top-proxy:8080"), .direct)
        XCTAssertEqual(try ProxySetting(account: nil, topLevel: nil), .environment)
        XCTAssertNil(ProxySelection.proxy(for: api, setting: .direct, environment: environment))
        // A configured proxy applies to loopback too; the environment's does not.
        let loopback = url("http://127.0.0.1:9999/")
        XCTAssertEqual(ProxySelection.proxy(for: loopback, setting: accountProxy, environment: environment)?.authority, "account-proxy:8080")
        XCTAssertNil(ProxySelection.proxy(for: loopback, setting: .environment, environment: environment))
        // Metadata services never go through a proxy.
        for metadata in ["http://169.254.169.254/latest/meta-data/", "http://100.100.100.200/latest/meta-data/",
                         "http://metadata.tencentyun.com/latest/meta-data/", "http://METADATA.tencentyun.com./x"] {
            XCTAssertNil(ProxySelection.proxy(for: url(metadata), setting: accountProxy, environment: environment), metadata)
            XCTAssertNil(ProxySelection.proxy(for: url(metadata), setting: .environment, environment: environment), metadata)
        }
    }

    func testCredentialsAuthorizationAndRedaction() throws {
        let proxy = try ProxyURL.parse("http://user:pa%40ss@proxy.corp:3128")
        XCTAssertEqual(proxy.user, "user")
        XCTAssertEqual(proxy.password, "pa@ss")
        XCTAssertEqual(proxy.authority, "proxy.corp:3128")
        XCTAssertEqual(proxy.proxyAuthorization, "Basic " + Base64.encode(Array("user:pa@ss".utf8)))
        XCTAssertEqual(proxy.redacted, "http://user:xxxxx@proxy.corp:3128")
        XCTAssertEqual("\(proxy)", "http://user:xxxxx@proxy.corp:3128")
        XCTAssertFalse("\(ProxySetting.proxy(proxy))".contains("pa@ss"), "\(ProxySetting.proxy(proxy))")
        XCTAssertEqual(try ProxyURL.parse("http://only-user@[2001:db8::1]:8080/").redacted, "http://only-user@[2001:db8::1]:8080")
        XCTAssertEqual(try ProxyURL.parse("http://only-user@[2001:db8::1]:8080/").proxyAuthorization, "Basic " + Base64.encode(Array("only-user:".utf8)))
        XCTAssertNil(try ProxyURL.parse("proxy:3128").proxyAuthorization)

        let refused: [(String, String)] = [
            ("https://proxy:443", "invalid proxy URL: https:// proxies are not supported (use an http:// proxy; https upstreams still go through it end to end with CONNECT)"),
            ("socks5://proxy:1080", "invalid proxy URL: socks5:// proxies are not supported (use an http:// proxy; https upstreams still go through it end to end with CONNECT)"),
            ("ftp://proxy", "invalid proxy URL: the scheme must be http://"),
            ("http://user:pa%4@proxy:3128", "invalid proxy URL: bad percent-encoding in the user name or password"),
            ("http://proxy:99999", "invalid proxy URL: expected host[:port] (an IPv6 address in brackets), got \"proxy:99999\""),
            ("http://", "invalid proxy URL: expected host[:port] (an IPv6 address in brackets), got \"\""),
        ]
        for (text, message) in refused {
            XCTAssertThrowsError(try ProxyURL.parse(text), text) { XCTAssertEqual("\($0)", message) }
        }
        // The variable is named; the password is not shown.
        XCTAssertThrowsError(try ProxyEnvironment(["HTTPS_PROXY": "http://u:secret@proxy:notaport"])) {
            XCTAssertEqual("\($0)", "invalid proxy URL: HTTPS_PROXY: expected host[:port] (an IPv6 address in brackets), got \"proxy:notaport\"")
        }
    }

    func testIPAddressParsing() {
        XCTAssertEqual(IPAddress("10.0.0.1")?.bytes, [10, 0, 0, 1])
        XCTAssertEqual(IPAddress("::1")?.bytes, Array(repeating: 0, count: 15) + [1])
        XCTAssertEqual(IPAddress("2001:db8::1:2")?.bytes, [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 8) + [0, 1, 0, 2])
        XCTAssertEqual(IPAddress("::ffff:1.2.3.4")?.bytes, [1, 2, 3, 4])
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", ":1", "g::1", "1.2.3.4:80"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }
}
