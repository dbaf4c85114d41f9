import BalanceSupport
/// Why bytes could not be decoded as a request: the status to answer (the
/// one place a malformed request maps to a status) and a detail for the log.
/// After any of these the connection is answered and closed.
package struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package var status: Int
    package var detail: String

    package init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
    }

    package var description: String { "\(status): \(detail)" }
}

/// An incremental HTTP/1.1 request decoder (RFC 9112) over bytes as they
/// arrive from a socket. Pure: it owns no socket, so it is tested from wire
/// strings. Feed bytes with `append`, then call `next()` until it answers
/// `.needMoreData`; several pipelined requests may sit in the buffer.
/// After `.error` every further call answers the same error.
///
/// Every byte of a request before its header section ends (the few empty
/// lines tolerated before it, the request line, the fields) counts against
/// one budget, `limits.maxHeadBytes`; so whatever a client sends, the buffer
/// holds at most one head and one body within `maxBodyBytes` (beside a
/// consumed prefix that compaction keeps no larger) and the last chunk
/// appended. A request line is checked byte by byte as it arrives: a byte
/// that no valid request line can hold is refused at once.
package struct RequestParser: Sendable {
    package enum Outcome: Sendable, Equatable {
        case request(HTTPRequest)
        case needMoreData
        case error(HTTPParseError)
    }

    /// Empty-line bytes (CR or LF) skipped before a request line: RFC 9112
    /// §2.2 asks servers to ignore "at least one empty line (CRLF)" there,
    /// which old clients send after a POST body; Go's net/http discards at
    /// most four. More is a flood, not a client bug.
    static let maxSkippedEmptyLineBytes = 4

    private let limits: ServerLimits
    private var buffer: [UInt8] = []
    /// First byte of the message being decoded (empty lines before its
    /// request line included); bytes before it are consumed.
    private var messageStart = 0
    /// Next byte to look at.
    private var scanIndex = 0
    private var lineStart = 0
    /// Where the request line in progress stands (nil once it is decoded).
    private var requestLine: RequestLineShape? = RequestLineShape()
    private var skippedEmptyLineBytes = 0
    private var method = "", target = "", minorVersion = 1
    private var headers = HTTPHeaders()
    /// A decoded head waiting for `bodyLength` body bytes.
    private var pending: (head: HTTPRequest, bodyLength: Int)?
    private var failure: HTTPParseError?

    package init(limits: ServerLimits = ServerLimits()) {
        self.limits = limits
    }

    /// Bytes after a failure are dropped: the connection only answers and closes.
    package mutating func append(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// True when bytes of a not yet complete request are buffered: the
    /// request's read deadline runs, and a shutdown lets it finish.
    package var hasPartialRequest: Bool {
        pending != nil || requestLine == nil || buffer.count > lineStart
    }

    /// True once the request in progress has a complete, valid request line
    /// (until its answer is produced): the connection is no longer one that
    /// merely holds a slot.
    package var hasRequestLine: Bool { requestLine == nil }

    /// Bytes held, consumed or not (tests check that this stays bounded).
    var bufferedByteCount: Int { buffer.count }

    package mutating func next() -> Outcome {
        if let failure { return .error(failure) }
        if pending == nil {
            do {
                guard let head = try scanHead() else { return .needMoreData }
                pending = head
            } catch {
                failure = error
                buffer = []
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
        requestLine = RequestLineShape()
        skippedEmptyLineBytes = 0
        headers = HTTPHeaders()
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

    /// Decodes the request line, then each field line as it completes, up
    /// to the empty line ending the head; nil while incomplete.
    private mutating func scanHead() throws(HTTPParseError) -> (head: HTTPRequest, bodyLength: Int)? {
        if requestLine != nil {
            guard try scanRequestLine() else { return nil }
        }
        while let lf = buffer[scanIndex...].firstIndex(of: ASCII.lf) {
            var end = lf
            if end > lineStart && buffer[end - 1] == ASCII.cr { end -= 1 }
            let line = lineStart..<end
            scanIndex = lf + 1
            lineStart = scanIndex
            guard scanIndex - messageStart <= limits.maxHeadBytes else { throw Self.headTooLarge(limits) }
            if line.isEmpty { return try decodedHead() }
            let field = try Self.decodeField(buffer[line])
            headers.append(field.name, field.value)
            guard headers.count <= limits.maxHeaderFields else {
                throw .init(status: 431, detail: "more than \(limits.maxHeaderFields) header fields")
            }
        }
        scanIndex = buffer.count
        // The head needs at least one more byte (its last LF).
        guard buffer.count - messageStart < limits.maxHeadBytes else { throw Self.headTooLarge(limits) }
        return nil
    }

    static func headTooLarge(_ limits: ServerLimits) -> HTTPParseError {
        .init(status: 431, detail: "request head larger than \(limits.maxHeadBytes) bytes")
    }

    /// Walks the request line byte by byte; true once it is complete and
    /// decoded. Throws as soon as a byte proves the line invalid, so garbage
    /// (a TLS ClientHello, an SSH banner) is answered at once, not after the
    /// read timeout.
    private mutating func scanRequestLine() throws(HTTPParseError) -> Bool {
        guard var shape = requestLine else { return true }
        while scanIndex < buffer.count {
            let byte = buffer[scanIndex]
            scanIndex += 1
            if shape.isEmpty && (byte == ASCII.cr || byte == ASCII.lf) {
                skippedEmptyLineBytes += 1
                guard skippedEmptyLineBytes <= Self.maxSkippedEmptyLineBytes else {
                    throw .init(status: 400, detail: "empty lines before the request line")
                }
                lineStart = scanIndex
                continue
            }
            guard scanIndex - messageStart <= limits.maxHeadBytes else { throw Self.headTooLarge(limits) }
            switch try shape.accept(byte) {
            case .more:
                guard shape.length <= limits.maxRequestLineBytes else { throw .init(status: 414, detail: "request line too long") }
            case .complete(let parts):
                (method, target, minorVersion) = try Self.decodeRequestLine(buffer[lineStart..<(lineStart + shape.length)], shape: parts)
                requestLine = nil
                lineStart = scanIndex
                return true
            }
        }
        requestLine = shape
        return false
    }

    private func decodedHead() throws(HTTPParseError) -> (head: HTTPRequest, bodyLength: Int) {
        let request = HTTPRequest(method: method, target: target, minorVersion: minorVersion, headers: headers)
        let hostCount = headers.count(of: "Host")
        // RFC 9112 §3.2: a 1.1 request without exactly one Host is answered 400.
        if hostCount > 1 || (minorVersion == 1 && hostCount == 0) {
            throw .init(status: 400, detail: "a request needs exactly one Host header")
        }
        return (request, try bodyLength(of: request))
    }

    /// Method, origin-form target and minor version of a request line whose
    /// shape `RequestLineShape` accepted (`line` without its line end).
    /// `HTTP/1.0` → 0, `HTTP/1.1` (or a later 1.x, RFC 9110 §6.2) → 1.
    static func decodeRequestLine(_ line: ArraySlice<UInt8>, shape: RequestLineShape.Parts) throws(HTTPParseError) -> (String, String, Int) {
        let targetStart = line.startIndex + shape.methodLength + 1
        let method = String(decoding: line[line.startIndex..<(targetStart - 1)], as: UTF8.self)
        let version = line.suffix(RequestLineShape.versionLength)
        let major = version[version.startIndex + 5] - UInt8(ascii: "0")
        guard major == 1 else { throw .init(status: 505, detail: "HTTP version \(major) not supported") }
        let minor = version.last == UInt8(ascii: "0") ? 0 : 1
        let target = try originForm(String(decoding: line[targetStart..<(targetStart + shape.targetLength)], as: UTF8.self), method: method)
        return (method, target, minor)
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
        var ascii = true
        for byte in value {
            guard byte >= 0x20 || byte == ASCII.tab, byte != 0x7F else {
                throw .init(status: 400, detail: "control character in header value")
            }
            ascii = ascii && byte < 0x80
        }
        // Nearly every value is ASCII, which is valid UTF-8 as it stands.
        guard let text = ascii ? String(decoding: value, as: UTF8.self) : String(validating: value, as: UTF8.self) else {
            throw .init(status: 400, detail: "header value is not UTF-8")
        }
        return (String(decoding: name, as: UTF8.self), text)
    }

    // MARK: Body framing

    /// RFC 9112 §6: Content-Length frames the body. Chunked bodies are
    /// refused with 411 (our only body-taking path, reload, has no body);
    /// Transfer-Encoding together with Content-Length is a smuggling
    /// attempt (§6.3) and gets 400; a Transfer-Encoding naming no coding at
    /// all is one we cannot implement (§6.1: 501, as Go and nginx answer).
    private func bodyLength(of request: HTTPRequest) throws(HTTPParseError) -> Int {
        let lengths = request.headers.values("Content-Length")
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingOWS() }
        let encodings = request.headers.values("Transfer-Encoding")
        let codings = encodings.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS().lowercased() }.filter { !$0.isEmpty }
        if !encodings.isEmpty {
            guard !codings.isEmpty else { throw .init(status: 501, detail: "empty Transfer-Encoding") }
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

/// The shape of a request line, `method SP request-target SP HTTP-version`
/// (RFC 9112 §3), checked one byte at a time as the bytes arrive: the
/// method a token, the target visible ASCII (anything else must be
/// percent-encoded, RFC 3986), the version `HTTP/` DIGIT `.` DIGIT, then
/// CRLF or a bare LF. What it accepts is decoded by `decodeRequestLine`.
struct RequestLineShape: Sendable {
    private enum Part { case method, target, version, cr }
    struct Parts: Sendable, Equatable {
        var methodLength: Int
        var targetLength: Int
    }
    enum Step: Sendable, Equatable {
        case more
        /// The line end arrived; `length` (the line without its end) is final.
        case complete(Parts)
    }

    static let versionLength = 8
    private static let versionPrefix = Array("HTTP/".utf8)

    private var part = Part.method
    private var partLength = 0
    private var parts = Parts(methodLength: 0, targetLength: 0)
    /// Bytes of the line so far, without its line end.
    private(set) var length = 0

    var isEmpty: Bool { length == 0 }

    mutating func accept(_ byte: UInt8) throws(HTTPParseError) -> Step {
        switch part {
        case .method:
            if byte == ASCII.space && partLength > 0 {
                parts.methodLength = partLength
                begin(.target)
            } else if ASCII.isTokenByte(byte) {
                partLength += 1
            } else {
                throw .init(status: 400, detail: "malformed method")
            }
        case .target:
            if byte == ASCII.space && partLength > 0 {
                parts.targetLength = partLength
                begin(.version)
            } else if byte > 0x20 && byte < 0x7F {
                partLength += 1
            } else {
                throw .init(status: 400, detail: "malformed request target")
            }
        case .version where partLength == Self.versionLength:
            if byte == ASCII.lf { return .complete(parts) }
            guard byte == ASCII.cr else { throw .init(status: 400, detail: "malformed HTTP version") }
            part = .cr
            return .more
        case .version:
            let fits = switch partLength {
            case 0..<5: byte == Self.versionPrefix[partLength]
            case 6: byte == UInt8(ascii: ".")
            default: ASCII.isDigit(byte)
            }
            guard fits else { throw .init(status: 400, detail: "malformed HTTP version") }
            partLength += 1
        case .cr:
            guard byte == ASCII.lf else { throw .init(status: 400, detail: "CR without LF in the request line") }
            return .complete(parts)
        }
        length += 1
        return .more
    }

    private mutating func begin(_ next: Part) {
        part = next
        partLength = 0
    }
}

extension HTTPRequest {
    /// Whether the client wants the connection kept open after the answer
    /// (RFC 9112 §9.3): 1.1 unless `Connection: close`, 1.0 only with
    /// `Connection: keep-alive`.
    package var wantsKeepAlive: Bool {
        let options = headers.values("Connection")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS().lowercased() }
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
