/// Every limit the embedded server enforces, in one place. The defaults are
/// the product's; tests shrink the timeouts instead of sleeping long.
public struct ServerLimits: Sendable, Equatable {
    /// Open connections served at once (`--web.max-connections`); the excess
    /// is answered `503` and closed at once.
    public var maxConnections: Int
    /// Seconds to receive a complete request once its first byte arrived
    /// (and for the first request of a fresh connection, from the accept).
    /// A request still incomplete then is answered `408`.
    public var readTimeout: Double
    /// Seconds a keep-alive connection may wait for its next request.
    public var idleTimeout: Double
    /// Seconds to write one whole response; a client that stops reading is dropped.
    public var writeTimeout: Double
    /// Request line longer than this: `414 URI Too Long`.
    public var maxRequestLineBytes: Int
    /// Header section (after the request line) larger than this: `431`.
    public var maxHeaderBytes: Int
    /// More header fields than this: `431`.
    public var maxHeaderFields: Int
    /// Content-Length above this: `413 Content Too Large`.
    public var maxBodyBytes: Int

    public init(maxConnections: Int = 512, readTimeout: Double = 10, idleTimeout: Double = 60,
                writeTimeout: Double = 30, maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024,
                maxHeaderFields: Int = 100, maxBodyBytes: Int = 64 * 1024) {
        self.maxConnections = maxConnections
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderFields = maxHeaderFields
        self.maxBodyBytes = maxBodyBytes
    }
}
