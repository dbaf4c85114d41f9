/// `RequestParser`: the bytes any TCP client can send to the listener.
///
/// Input: one mode byte, then the wire bytes. The mode picks the product's
/// limits or tiny ones (so the 414/431/413 paths are reachable within a few
/// hundred bytes) and a chunk size. The wire is decoded twice, fed at once
/// and fed in chunks: an incremental parser must give the same requests and
/// the same error however the bytes arrive (RFC 9112 framing does not depend
/// on TCP segmentation). Errors are compared by status only: when a request
/// breaks two limits at once, which one is named in the log detail may
/// depend on how far the bytes had arrived, but the answer may not.
@testable import BalanceHTTP

func fuzzHTTPRequest(_ bytes: [UInt8]) -> CInt {
    var input = FuzzInput(bytes)
    let mode = input.byte()
    let limits = mode & 1 == 0
        ? ServerLimits()
        : ServerLimits(maxRequestLineBytes: 64, maxHeadBytes: 320, maxHeaderFields: 8, maxBodyBytes: 128)
    let chunkSize = Int(mode >> 1) + 1
    let wire = input.remaining()

    let whole = decodeAll([wire], limits: limits)
    let pieces = stride(from: 0, to: wire.count, by: chunkSize).map { Array(wire[$0..<min($0 + chunkSize, wire.count)]) }
    let chunked = decodeAll(pieces, limits: limits)
    fuzzRequire(whole.results.map(outcome) == chunked.results.map(outcome),
                "chunk size \(chunkSize) changed the outcome: \(whole.results) vs \(chunked.results)")
    fuzzRequire(whole.partial == chunked.partial, "hasPartialRequest differs by chunking")

    for result in whole.results {
        switch result {
        case .request(let request): checkRequest(request, limits: limits)
        case .error(let error):
            fuzzRequire([400, 411, 413, 414, 431, 501, 505].contains(error.status), "unexpected status \(error)")
        case .needMoreData: fuzzRequire(false, "needMoreData recorded as a result")
        }
    }
    return 0
}

/// What the client sees of a result: the request, or the error status.
private func outcome(_ result: RequestParser.Outcome) -> RequestParser.Outcome {
    guard case .error(let error) = result else { return result }
    return .error(HTTPParseError(status: error.status, detail: ""))
}

/// Feeds `pieces` one by one, taking every complete request after each;
/// stops at the first error (the connection is closed then). The buffer
/// must stay bounded whatever arrives.
private func decodeAll(_ pieces: [[UInt8]], limits: ServerLimits) -> (results: [RequestParser.Outcome], partial: Bool) {
    var parser = RequestParser(limits: limits)
    var results: [RequestParser.Outcome] = []
    for piece in pieces {
        parser.append(piece)
        while true {
            let result = parser.next()
            if result == .needMoreData {
                // At most one head and one body wait, beside a consumed prefix no larger (compaction).
                fuzzRequire(parser.bufferedByteCount <= 2 * (limits.maxHeadBytes + limits.maxBodyBytes) + 4096,
                            "\(parser.bufferedByteCount) bytes buffered")
                break
            }
            results.append(result)
            if case .error = result {
                // After an error every call must keep answering it.
                fuzzRequire(parser.next() == result, "error not sticky")
                return (results, parser.hasPartialRequest)
            }
        }
    }
    return (results, parser.hasPartialRequest)
}

/// What the router and the response encoder rely on.
private func checkRequest(_ request: HTTPRequest, limits: ServerLimits) {
    fuzzRequire(!request.method.isEmpty && request.method.utf8.allSatisfy(ASCII.isTokenByte), "method \(request.method)")
    fuzzRequire(request.target.hasPrefix("/") || (request.target == "*" && request.method == "OPTIONS"),
                "target not in origin-form: \(request.target)")
    fuzzRequire(request.path.hasPrefix("/") || request.path == "*", "path \(request.path)")
    fuzzRequire(request.minorVersion == 0 || request.minorVersion == 1, "version \(request.minorVersion)")
    fuzzRequire(request.body.count <= limits.maxBodyBytes, "body of \(request.body.count) bytes")
    fuzzRequire(request.headers.count <= limits.maxHeaderFields, "\(request.headers.count) header fields")
    for field in request.headers {
        let (name, value) = (field.name, field.value)
        fuzzRequire(!name.isEmpty && name.utf8.allSatisfy(ASCII.isTokenByte), "header name \(name)")
        // A CR, LF or NUL here could be echoed into a response header (splitting).
        fuzzRequire(!value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }), "control byte in \(name)")
        fuzzRequire(value.first != " " && value.last != " ", "untrimmed value of \(name)")
    }
    if request.minorVersion == 1 {
        fuzzRequire(request.headers["host"] != nil, "HTTP/1.1 request without Host accepted")
    }
    _ = request.wantsKeepAlive
}
