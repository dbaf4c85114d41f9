import BalanceSupport

/// An incremental parser of one HTTP/1.1 response (RFC 9112), pure: it owns
/// no socket, so every framing rule is tested from wire bytes fed in pieces
/// of any size. The transport feeds what each read returned and stops at the
/// first error or the complete response.
///
/// Limits are enforced as bytes arrive, so an upstream cannot make us buffer
/// more than `maxBodyBytes` of body (plus one read) or `maxHeadBytes` of head:
/// a declared `Content-Length` (or chunk size) past the cap is refused before
/// any of that body is read.
struct HTTPResponseReader {
    /// Status line plus header lines; trailers count against it too.
    static let maxHeadBytes = 64 << 10
    /// One chunk-size line, extensions included.
    static let maxChunkLineBytes = 4096

    let maxBodyBytes: Int
    /// False for a HEAD request: whatever the head declares, no body follows.
    let bodyExpected: Bool

    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF that ends a chunk's data.
        case chunkEnd
        case trailers
        case untilClose
        case complete
    }

    private var state = State.head
    /// Received and not yet consumed: `buffer[start...]`.
    private var buffer: [UInt8] = []
    private var start = 0
    /// How far past `start` a line end was already searched for, so a head
    /// fed one byte at a time is scanned once, not once per byte.
    private var scanned = 0
    private var headBytes = 0
    private var status: Int?
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []

    init(maxBodyBytes: Int, bodyExpected: Bool = true) {
        self.maxBodyBytes = maxBodyBytes
        self.bodyExpected = bodyExpected
    }

    /// The response, once complete; nil while more bytes are needed. Bytes
    /// after a complete response are ignored (we sent `Connection: close`).
    mutating func feed<Bytes: Collection>(_ bytes: Bytes) throws(TransportError) -> HTTPResponse? where Bytes.Element == UInt8 {
        if case .complete = state { return completed }
        buffer.append(contentsOf: bytes)
        try advance()
        compact()
        if case .complete = state { return completed }
        return nil
    }

    /// The end of the stream: the response if it is complete (or its body
    /// runs to the close), otherwise "connection lost".
    mutating func finish() throws(TransportError) -> HTTPResponse {
        switch state {
        case .untilClose:
            state = .complete
            return completed
        case .complete:
            return completed
        default:
            throw .network("connection lost")
        }
    }

    private var completed: HTTPResponse {
        HTTPResponse(status: status ?? 0, headers: headers, body: body)
    }

    // MARK: States

    private mutating func advance() throws(TransportError) {
        while start < buffer.count {
            switch state {
            case .head:
                guard let line = try nextLine(limit: Self.maxHeadBytes) else { return }
                try countHead(line.count)
                try headLine(line)
            case .fixedBody(let remaining):
                let taken = try takeBody(upTo: remaining)
                state = remaining == taken ? .complete : .fixedBody(remaining: remaining - taken)
            case .chunkSize:
                guard let line = try nextLine(limit: Self.maxChunkLineBytes) else { return }
                let size = try Self.chunkSize(line)
                if size == 0 {
                    state = .trailers
                } else {
                    try requireRoom(for: size)
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let taken = try takeBody(upTo: remaining)
                state = remaining == taken ? .chunkEnd : .chunkData(remaining: remaining - taken)
            case .chunkEnd:
                guard let line = try nextLine(limit: 2) else { return }
                guard line.isEmpty else { throw Self.malformed }
                state = .chunkSize
            case .trailers:
                // Trailer fields are read past and dropped: nothing we use is sent as one.
                guard let line = try nextLine(limit: Self.maxHeadBytes) else { return }
                try countHead(line.count)
                if line.isEmpty { state = .complete }
            case .untilClose:
                _ = try takeBody(upTo: buffer.count - start)
            case .complete:
                return
            }
        }
        // An empty body (Content-Length: 0, HEAD, 204) completes with the head, before any body byte.
        if case .fixedBody(0) = state { state = .complete }
    }

    /// One line of the head: the status line, a header, or the empty line that ends it.
    private mutating func headLine(_ line: ArraySlice<UInt8>) throws(TransportError) {
        guard let current = status else {
            status = try Self.statusCode(line)
            return
        }
        guard line.isEmpty else {
            let (name, value) = try Self.header(line)
            headers.append(name, value)
            return
        }
        // RFC 9110 §15.2: a 1xx is interim (we never ask to switch protocols): the real answer follows.
        if (100..<200).contains(current) {
            guard current != 101 else { throw Self.malformed }
            status = nil
            headers = HTTPHeaders()
            return
        }
        state = try framing(status: current)
    }

    /// How the body is delimited (RFC 9112 §6.3).
    private func framing(status: Int) throws(TransportError) -> State {
        if !bodyExpected || status == 204 || status == 304 { return .complete }
        if let codings = headers.combined("transfer-encoding") {
            // Only chunked: we send no TE, and a compressed transfer coding would reach the caller undecoded.
            let list = codings.split(separator: ",", omittingEmptySubsequences: false).map { Self.trimmed($0).lowercased() }
            guard list == ["chunked"] else { throw Self.malformed }
            return .chunkSize
        }
        // Repeated fields combine into one comma-separated value (RFC 9110 §5.3).
        if let lengths = headers.combined("content-length") {
            // Repeated identical values are allowed (RFC 9112 §6.3 item 5); differing ones are not.
            let values = lengths.split(separator: ",", omittingEmptySubsequences: false)
                .map { Self.trimmed($0) }
            guard let first = values.first, let length = Self.decimal(first), values.allSatisfy({ $0 == first }) else {
                throw Self.malformed
            }
            guard length <= maxBodyBytes else { throw .bodyTooLarge(maxBodyBytes) }
            return length == 0 ? .complete : .fixedBody(remaining: length)
        }
        return .untilClose
    }

    // MARK: Buffer

    /// The next line without its CRLF (a bare LF is accepted, RFC 9112 §2.2),
    /// or nil until its end has arrived; longer than `limit` is malformed.
    private mutating func nextLine(limit: Int) throws(TransportError) -> ArraySlice<UInt8>? {
        var index = start + scanned
        while index < buffer.count, buffer[index] != 0x0A { index += 1 }
        guard index < buffer.count else {
            scanned = buffer.count - start
            if scanned > limit + 1 { throw Self.malformed }
            return nil
        }
        var line = buffer[start..<index]
        if line.last == 0x0D { line = line.dropLast() }
        start = index + 1
        scanned = 0
        guard line.count <= limit else { throw Self.malformed }
        // A bare CR inside a line is not valid anywhere in a head (RFC 9112 §2.2).
        guard !line.contains(0x0D) else { throw Self.malformed }
        return line
    }

    /// Moves up to `limit` buffered bytes into the body, refusing the cap.
    private mutating func takeBody(upTo limit: Int) throws(TransportError) -> Int {
        let count = min(limit, buffer.count - start)
        try requireRoom(for: count)
        body.append(contentsOf: buffer[start..<(start + count)])
        start += count
        return count
    }

    private func requireRoom(for count: Int) throws(TransportError) {
        guard count <= maxBodyBytes - body.count else { throw .bodyTooLarge(maxBodyBytes) }
    }

    private mutating func countHead(_ lineLength: Int) throws(TransportError) {
        headBytes += lineLength + 2
        guard headBytes <= Self.maxHeadBytes else { throw Self.malformed }
    }

    /// Drops consumed bytes, so the buffer holds at most one read's worth.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096 {
            buffer.removeFirst(start)
            start = 0
        }
    }

    // MARK: Grammar

    static let malformed = TransportError.network("bad server response")

    /// `HTTP/1.x SP 3DIGIT [SP reason]` (RFC 9112 §4); the reason is ignored.
    static func statusCode(_ line: ArraySlice<UInt8>) throws(TransportError) -> Int {
        let bytes = Array(line)
        guard bytes.count >= 12, bytes[0..<7].elementsEqual("HTTP/1.".utf8), ASCII.isDigit(bytes[7]), bytes[8] == 0x20,
              bytes[9..<12].allSatisfy(ASCII.isDigit), bytes.count == 12 || bytes[12] == 0x20
        else { throw malformed }
        let code = bytes[9..<12].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard code >= 100 else { throw malformed }
        return code
    }

    /// `name ":" OWS value OWS` (RFC 9110 §5.1), the name as sent. No
    /// space before the colon and no obsolete line folding (RFC 9112 §5.1-5.2).
    static func header(_ line: ArraySlice<UInt8>) throws(TransportError) -> (String, String) {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
              line[..<colon].allSatisfy(ASCII.isTokenByte)
        else { throw malformed }
        let value = trimmed(line[(colon + 1)...])
        guard !value.contains(where: { $0 == 0 || $0 == 0x0A }) else { throw malformed }
        return (String(decoding: line[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// `1*HEXDIG [BWS] [; extensions]` (RFC 9112 §7.1); extensions are ignored.
    static func chunkSize(_ line: ArraySlice<UInt8>) throws(TransportError) -> Int {
        let digits = line.prefix(while: { ASCIIText.hexValue($0) != nil })
        // 15 hex digits stay below Int.max: anything longer is no size we would accept anyway.
        guard !digits.isEmpty, digits.count <= 15 else { throw malformed }
        let rest = line[digits.endIndex...].drop(while: isSpace)
        guard rest.isEmpty || rest.first == 0x3B else { throw malformed }
        return digits.reduce(0) { $0 * 16 + Int(ASCIIText.hexValue($1) ?? 0) }
    }

    /// A non-negative decimal of at most 18 digits (no sign, no spaces).
    static func decimal(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy(ASCII.isDigit) else { return nil }
        return bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Without leading and trailing spaces and tabs (OWS).
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes.drop(while: isSpace)
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }

    static func trimmed(_ text: Substring) -> String {
        String(decoding: trimmed(ArraySlice(text.utf8)), as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == ASCII.space || byte == ASCII.tab }

}
