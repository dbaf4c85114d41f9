/// Why bytes could not be decoded as a request: the status to answer (the
/// one place a malformed request maps to a status) and a detail for the log.
/// After any of these the connection is answered and closed.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var detail: String

    public init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(status): \(detail)" }
}

/// An incremental HTTP/1.1 request decoder (RFC 9112) over bytes as they
/// arrive from a socket. Pure: it owns no socket, so it is tested from wire
/// strings. Feed bytes with `append`, then call `next()` until it answers
/// `.needMoreData`; several pipelined requests may sit in the buffer.
/// After `.error` every further call answers the same error.
public struct RequestParser: Sendable {
    public enum Result: Sendable, Equatable {
        case request(HTTPRequest)
        case needMoreData
        case error(HTTPParseError)
    }

    private let limits: ServerLimits
    private var buffer: [UInt8] = []
    /// Start of the message being decoded; bytes before it are consumed.
    private var messageStart = 0
    /// Next byte to look at for a line end.
    private var scanIndex = 0
    private var lineStart = 0
    private var requestLine: Range<Int>?
    private var headersStart = 0
    private var headerLines: [Range<Int>] = []
    /// A decoded head waiting for `bodyLength` body bytes.
    private var pending: (head: HTTPRequest, bodyLength: Int)?
    private var failure: HTTPParseError?

    public init(limits: ServerLimits = ServerLimits()) {
        self.limits = limits
    }

    public mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    /// True when bytes of a not yet complete request are buffered: the
    /// request's read deadline runs, and a shutdown lets it finish.
    public var hasPartialRequest: Bool {
        pending != nil || buffer.count > messageStart
    }

    public mutating func next() -> Result {
        if let failure { return .error(failure) }
        if pending == nil {
            do {
                guard let head = try scanHead() else { return .needMoreData }
                pending = head
            } catch {
                failure = error
                return .error(error)
            }
        }
        guard let (head, length) = pending, buffer.count - scanIndex >= length else { return .needMoreData }
        var request = head
        request.body = Array(buffer[scanIndex..<(scanIndex + length)])
        startNextMessage(at: scanIndex + length)
        return .request(request)
    }

    private mutating func startNextMessage(at index: Int) {
        pending = nil
        requestLine = nil
        headerLines.removeAll(keepingCapacity: true)
        // Compact once the consumed prefix dominates, so a long keep-alive
        // connection does not grow the buffer forever.
        if index > 4096 && index * 2 > buffer.count {
            buffer.removeFirst(index)
            messageStart = 0
        } else {
            messageStart = index
        }
        scanIndex = messageStart
        lineStart = messageStart
    }

    // MARK: Head

    /// Collects lines up to the empty line ending the head; nil while incomplete.
    private mutating func scanHead() throws(HTTPParseError) -> (head: HTTPRequest, bodyLength: Int)? {
        while let lf = buffer[scanIndex...].firstIndex(of: ASCII.lf) {
            var end = lf
            if end > lineStart && buffer[end - 1] == ASCII.cr { end -= 1 }
            let line = lineStart..<end
            scanIndex = lf + 1
            lineStart = scanIndex
            if requestLine == nil {
                if line.isEmpty {
                    // RFC 9112 §2.2: ignore empty lines before the request line.
                    messageStart = scanIndex
                    continue
                }
                guard line.count <= limits.maxRequestLineBytes else { throw .init(status: 414, detail: "request line too long") }
                requestLine = line
                headersStart = scanIndex
            } else if line.isEmpty {
                return try decodeHead()
            } else {
                headerLines.append(line)
                guard headerLines.count <= limits.maxHeaderFields else {
                    throw .init(status: 431, detail: "more than \(limits.maxHeaderFields) header fields")
                }
                guard scanIndex - headersStart <= limits.maxHeaderBytes else {
                    throw .init(status: 431, detail: "header section too large")
                }
            }
        }
        scanIndex = buffer.count
        // The line in progress may already exceed its limit (+1: its CR may be here).
        if requestLine == nil, buffer.count - lineStart > limits.maxRequestLineBytes + 1 {
            throw .init(status: 414, detail: "request line too long")
        }
        if requestLine != nil, buffer.count - headersStart > limits.maxHeaderBytes + 1 {
            throw .init(status: 431, detail: "header section too large")
        }
        return nil
    }

    private func decodeHead() throws(HTTPParseError) -> (head: HTTPRequest, bodyLength: Int) {
        guard let requestLine else { throw .init(status: 400, detail: "missing request line") }
        let (method, target, minorVersion) = try Self.decodeRequestLine(buffer[requestLine])
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(headerLines.count)
        for line in headerLines {
            headers.append(try Self.decodeField(buffer[line]))
        }
        let request = HTTPRequest(method: method, target: target, minorVersion: minorVersion, headers: headers)
        let hostCount = headers.count(where: { $0.name.lowercased() == "host" })
        // RFC 9112 §3.2: a 1.1 request without exactly one Host is answered 400.
        if hostCount > 1 || (minorVersion == 1 && hostCount == 0) {
            throw .init(status: 400, detail: "a request needs exactly one Host header")
        }
        return (request, try bodyLength(of: request))
    }

    static func decodeRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String, Int) {
        let parts = line.split(separator: ASCII.space, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .init(status: 400, detail: "malformed request line")
        }
        guard parts[0].allSatisfy(ASCII.isTokenByte) else { throw .init(status: 400, detail: "malformed method") }
        // Targets are visible ASCII; anything else must be percent-encoded (RFC 3986).
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .init(status: 400, detail: "malformed request target") }
        let method = String(decoding: parts[0], as: UTF8.self)
        let minor = try decodeVersion(parts[2])
        let target = try originForm(String(decoding: parts[1], as: UTF8.self), method: method)
        return (method, target, minor)
    }

    /// `HTTP/1.0` → 0, `HTTP/1.1` (or a later 1.x, RFC 9110 §6.2) → 1.
    static func decodeVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        let version = Array(bytes)
        guard version.count == 8, version.starts(with: Array("HTTP/".utf8)), version[6] == UInt8(ascii: "."),
              ASCII.isDigit(version[5]), ASCII.isDigit(version[7]) else {
            throw .init(status: 400, detail: "malformed HTTP version")
        }
        let major = version[5] - UInt8(ascii: "0")
        guard major == 1 else { throw .init(status: 505, detail: "HTTP version \(major) not supported") }
        return version[7] == UInt8(ascii: "0") ? 0 : 1
    }

    /// Reduces a target to origin-form (`/path?query`), RFC 9112 §3.2:
    /// absolute-form (`http://host/path`, sent to proxies) keeps its path;
    /// `*` is only meaningful for OPTIONS.
    static func originForm(_ target: String, method: String) throws(HTTPParseError) -> String {
        if target.hasPrefix("/") { return target }
        if target == "*" {
            guard method == "OPTIONS" else { throw .init(status: 400, detail: "'*' target is only for OPTIONS") }
            return target
        }
        let lower = target.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let afterScheme = target.dropFirst(scheme.count)
            let pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
            guard pathStart > afterScheme.startIndex else { throw .init(status: 400, detail: "absolute target without host") }
            let rest = afterScheme[pathStart...]
            if rest.isEmpty { return "/" }
            return rest.hasPrefix("?") ? "/" + rest : String(rest)
        }
        throw .init(status: 400, detail: "malformed request target")
    }

    /// `name: value` (RFC 9110 §5): the name a token with no space before the
    /// colon, the value trimmed of optional whitespace, no control bytes.
    static func decodeField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (name: String, value: String) {
        guard let first = line.first, first != ASCII.space, first != ASCII.tab else {
            throw .init(status: 400, detail: "obsolete line folding")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .init(status: 400, detail: "header field without colon") }
        let name = line[..<colon]
        guard !name.isEmpty, name.allSatisfy(ASCII.isTokenByte) else { throw .init(status: 400, detail: "malformed header name") }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == ASCII.space || byte == ASCII.tab { value.removeFirst() }
        while let byte = value.last, byte == ASCII.space || byte == ASCII.tab { value.removeLast() }
        guard !value.contains(where: { ($0 < 0x20 && $0 != ASCII.tab) || $0 == 0x7F }) else {
            throw .init(status: 400, detail: "control character in header value")
        }
        guard let text = String(validating: value, as: UTF8.self) else {
            throw .init(status: 400, detail: "header value is not UTF-8")
        }
        return (String(decoding: name, as: UTF8.self), text)
    }

    // MARK: Body framing

    /// RFC 9112 §6: Content-Length frames the body. Chunked bodies are
    /// refused with 411 (our only body-taking path, reload, has no body);
    /// Transfer-Encoding together with Content-Length is a smuggling
    /// attempt (§6.3) and gets 400.
    private func bodyLength(of request: HTTPRequest) throws(HTTPParseError) -> Int {
        let lengths = request.headers.filter { $0.name.lowercased() == "content-length" }
            .flatMap { $0.value.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmedOWS() }
        let codings = request.headers.filter { $0.name.lowercased() == "transfer-encoding" }
            .flatMap { $0.value.split(separator: ",") }
            .map { $0.trimmedOWS().lowercased() }
        if !codings.isEmpty {
            guard lengths.isEmpty else { throw .init(status: 400, detail: "both Transfer-Encoding and Content-Length") }
            guard request.minorVersion == 1 else { throw .init(status: 400, detail: "Transfer-Encoding in an HTTP/1.0 request") }
            guard codings.last == "chunked" else { throw .init(status: 400, detail: "unknown transfer coding") }
            throw .init(status: 411, detail: "chunked request bodies are not accepted; send Content-Length")
        }
        guard let first = lengths.first else { return 0 }
        guard lengths.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(ASCII.isDigit) }) else {
            throw .init(status: 400, detail: "invalid Content-Length")
        }
        guard lengths.allSatisfy({ $0 == first }) else { throw .init(status: 400, detail: "conflicting Content-Length values") }
        let significant = first.drop(while: { $0 == "0" })
        guard significant.count <= 18, let length = Int(significant.isEmpty ? "0" : significant),
              length <= limits.maxBodyBytes else {
            throw .init(status: 413, detail: "body larger than \(limits.maxBodyBytes) bytes")
        }
        return length
    }
}

extension HTTPRequest {
    /// Whether the client wants the connection kept open after the answer
    /// (RFC 9112 §9.3): 1.1 unless `Connection: close`, 1.0 only with
    /// `Connection: keep-alive`.
    public var wantsKeepAlive: Bool {
        let options = headers.filter { $0.name.lowercased() == "connection" }
            .flatMap { $0.value.split(separator: ",") }
            .map { $0.trimmedOWS().lowercased() }
        if options.contains("close") { return false }
        return minorVersion >= 1 || options.contains("keep-alive")
    }
}

enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), 0x30...0x39: return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

extension Substring {
    /// Without optional whitespace (SP / HTAB) at either end.
    fileprivate func trimmedOWS() -> String {
        var text = self
        while let c = text.first, c == " " || c == "\t" { text.removeFirst() }
        while let c = text.last, c == " " || c == "\t" { text.removeLast() }
        return String(text)
    }
}
