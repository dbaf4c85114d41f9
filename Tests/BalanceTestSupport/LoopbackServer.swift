import XCTest
import BalanceHTTP
import BalanceSockets
import BalanceSupport

/// An `HTTPHandler` from a closure: fake upstreams and test routers.
package struct LoopbackHandler: HTTPHandler {
    package let respond: @Sendable (HTTPRequest) -> HTTPResponse

    package init(_ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.respond = respond
    }

    package func handle(_ request: HTTPRequest) -> HTTPResponse { respond(request) }
}

/// Starts the real server on 127.0.0.1 with an ephemeral port. The caller
/// shuts it down (`server.shutdown(grace: 0)`); inside a test case prefer
/// `serveOnLoopback`, which does that at teardown.
package func startLoopbackServer(_ handler: any HTTPHandler, limits: ServerLimits = ServerLimits(),
                         logger: Logger = .discard) throws -> (server: HTTPServer, port: Int) {
    let server = HTTPServer(addresses: [.loopback()], limits: limits, logger: logger, handler: handler)
    try server.start()
    guard let port = server.boundPorts.first else {
        server.shutdown(grace: 0)
        throw SocketError(call: "getsockname", code: 0, message: "no bound port")
    }
    return (server, port)
}

extension XCTestCase {
    /// `startLoopbackServer`, shut down when the test ends. Returns the port.
    package func serveOnLoopback(_ handler: any HTTPHandler, limits: ServerLimits = ServerLimits()) throws -> Int {
        let (server, port) = try startLoopbackServer(handler, limits: limits)
        addTeardownBlock { server.shutdown(grace: 0) }
        return port
    }

    /// `serveOnLoopback` with a closure handler.
    package func serveOnLoopback(limits: ServerLimits = ServerLimits(),
                         _ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws -> Int {
        try serveOnLoopback(LoopbackHandler(respond), limits: limits)
    }
}
