import BalanceTestSupport
import XCTest
@testable import BalanceHTTP

final class HTTPListenAddressTests: XCTestCase {
    func testParsesTheFormsOperatorsWrite() throws {
        let cases: [(String, ListenAddress.Host, UInt16)] = [
            (":9788", .all, 9788),
            ("127.0.0.1:9788", .numeric("127.0.0.1"), 9788),
            ("0.0.0.0:80", .numeric("0.0.0.0"), 80),
            ("[::1]:9788", .numeric("::1"), 9788),
            ("[::]:0", .numeric("::"), 0),
            ("localhost:9788", .name("localhost"), 9788),
            ("exporter-1.example.com:65535", .name("exporter-1.example.com"), 65535),
        ]
        for (text, host, port) in cases {
            let address = try ListenAddress(parsing: text)
            XCTAssertEqual(address.host, host, text)
            XCTAssertEqual(address.port, port, text)
            XCTAssertEqual(address.description, text, "printed as written")
        }
    }

    func testInvalidFormsExplainThemselves() {
        let cases: [(String, String)] = [
            ("", "missing port in address"),
            ("9788", "missing port in address"),
            ("127.0.0.1", "missing port in address"),
            ("::1:9788", "too many colons in address (IPv6 needs brackets: [::1]:9788)"),
            (":65536", "port must be a number from 0 to 65535"),
            (":http", "port must be a number from 0 to 65535"),
            (":-1", "port must be a number from 0 to 65535"),
            ("127.0.0.1:", "port must be a number from 0 to 65535"),
            ("[::1]", "missing port in address"),
            ("[::1:9788", "missing ']' in address"),
            ("[127.0.0.1]:9788", "\"127.0.0.1\" is not an IPv6 address"),
            ("bad_host:9788", "\"bad_host\" is neither an IP address nor a host name"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try ListenAddress(parsing: text), text) { error in
                XCTAssertEqual(error as? ListenAddressError, ListenAddressError(address: text, reason: reason), text)
            }
        }
        XCTAssertEqual(ListenAddressError(address: ":x", reason: "r").description, "invalid listen address \":x\": r")
    }

    func testEveryInterfaceAnswersOnIPv4AndIPv6() throws {
        let server = HTTPServer(addresses: [try ListenAddress(parsing: ":0")], logger: .discard,
                                handler: LoopbackHandler { _ in .text(200, "both") })
        try server.start()
        defer { server.shutdown(grace: 0) }
        let port = try XCTUnwrap(server.boundPorts.first)
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/", host: "127.0.0.1").text, "both")
        if server.boundAddresses.first?.hasPrefix("[") == true {
            XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/", host: "::1").text, "both")
        }
    }

    func testLocalhostBindsLoopback() throws {
        let server = HTTPServer(addresses: [try ListenAddress(parsing: "localhost:0")], logger: .discard,
                                handler: LoopbackHandler { _ in .text(200, "local") })
        try server.start()
        defer { server.shutdown(grace: 0) }
        let bound = try XCTUnwrap(server.boundAddresses.first)
        XCTAssertTrue(bound.hasPrefix("127.0.0.1:"), bound)
        XCTAssertEqual(try RawHTTPClient.get(port: server.boundPorts[0], path: "/").text, "local")
    }

    func testServesSeveralListenersAtOnce() throws {
        let server = HTTPServer(addresses: [.loopback(), .loopback()], logger: .discard,
                                handler: LoopbackHandler { request in .text(200, request.path) })
        try server.start()
        defer { server.shutdown(grace: 0) }
        XCTAssertEqual(server.boundPorts.count, 2)
        for port in server.boundPorts {
            XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/p\(port)").text, "/p\(port)")
        }
    }
}
