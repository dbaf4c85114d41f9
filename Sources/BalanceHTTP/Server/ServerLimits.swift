/// Every limit the embedded server enforces, in one place. The defaults are
/// the product's; tests shrink the timeouts instead of sleeping long.
package struct ServerLimits: Sendable, Equatable {
    /// Open connections served at once (`--web.max-connections`). At the cap
    /// a new connection takes the place of one that has not sent its request
    /// line within `requestLineGrace`, else of the longest idle keep-alive
    /// one; with neither it is answered `503` and closed at once.
    package var maxConnections: Int
    /// Open connections from one IP address (`--web.max-connections-per-peer`):
    /// a peer at its limit first loses its own idle connections, then is refused.
    package var maxConnectionsPerPeer: Int
    /// Seconds a connection may take to send a complete request line before
    /// it is the first to make room when the server is full.
    package var requestLineGrace: Double
    /// Seconds to receive a complete request once its first byte arrived
    /// (and for the first request of a fresh connection, from the accept).
    /// A request still incomplete then is answered `408`.
    package var readTimeout: Double
    /// Seconds a keep-alive connection may wait for its next request.
    package var idleTimeout: Double
    /// Seconds to write one whole response; a client that stops reading is dropped.
    package var writeTimeout: Double
    /// Request line longer than this: `414 URI Too Long`.
    package var maxRequestLineBytes: Int
    /// Every byte of a request before its header section ends (empty lines
    /// before the request line, the request line, the fields): more is `431`.
    package var maxHeadBytes: Int
    /// More header fields than this: `431`.
    package var maxHeaderFields: Int
    /// Content-Length above this: `413 Content Too Large`.
    package var maxBodyBytes: Int

    package init(maxConnections: Int = 512, maxConnectionsPerPeer: Int = 64, requestLineGrace: Double = 2,
                readTimeout: Double = 10, idleTimeout: Double = 60, writeTimeout: Double = 30,
                maxRequestLineBytes: Int = 8 * 1024, maxHeadBytes: Int = 24 * 1024,
                maxHeaderFields: Int = 100, maxBodyBytes: Int = 64 * 1024) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerPeer = maxConnectionsPerPeer
        self.requestLineGrace = requestLineGrace
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderFields = maxHeaderFields
        self.maxBodyBytes = maxBodyBytes
    }
}
