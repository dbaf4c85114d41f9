/// `HTTPResponseReader`: the bytes any upstream (or anything between us and
/// it) can send back to the transport.
///
/// Input: one mode byte, then the wire bytes. The mode picks a body cap
/// (tiny, so the cap paths are reachable within a few hundred bytes, or the
/// product's 1 MiB), whether the request was a HEAD, and a chunk size. The
/// wire is read twice, fed at once and fed in chunks, each followed by the
/// end of the stream: the outcome must not depend on how the bytes arrived
/// (RFC 9112 framing does not depend on TCP segmentation).
@testable import BalanceHTTP

func fuzzHTTPResponse(_ bytes: [UInt8]) -> CInt {
    var input = FuzzInput(bytes)
    let mode = input.byte()
    let cap = mode & 1 == 0 ? 64 : 1 << 20
    let bodyExpected = mode & 2 == 0
    let chunkSize = Int(mode >> 2) + 1
    let wire = input.remaining()

    let whole = readResponse([wire], cap: cap, bodyExpected: bodyExpected)
    let pieces = stride(from: 0, to: wire.count, by: chunkSize).map { Array(wire[$0..<min($0 + chunkSize, wire.count)]) }
    let chunked = readResponse(pieces, cap: cap, bodyExpected: bodyExpected)
    fuzzRequire(whole == chunked, "chunk size \(chunkSize) changed the outcome: \(whole) vs \(chunked)")

    switch whole {
    case .success(let status, let headers, let body):
        fuzzRequire((100...999).contains(status) && !(100..<200).contains(status), "status \(status)")
        fuzzRequire(body.count <= cap, "body of \(body.count) bytes past the cap \(cap)")
        fuzzRequire(bodyExpected || body.isEmpty, "a body for a HEAD request")
        for field in headers {
            let (name, value) = (field.name, field.value)
            fuzzRequire(!name.isEmpty && name.utf8.allSatisfy(ASCII.isTokenByte), "header name \(name)")
            fuzzRequire(!value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }), "control byte in \(name)")
        }
    case .failure(let error):
        let expected: [TransportError] = [.network("bad server response"), .network("connection lost"), .bodyTooLarge(cap)]
        fuzzRequire(expected.contains(error), "unexpected error \(error)")
    }
    return 0
}

private enum ResponseOutcome: Equatable {
    case success(status: Int, headers: HTTPHeaders, body: [UInt8])
    case failure(TransportError)
}

/// Feeds `pieces` in order (stopping at a complete response), then ends the stream.
private func readResponse(_ pieces: [[UInt8]], cap: Int, bodyExpected: Bool) -> ResponseOutcome {
    var reader = HTTPResponseReader(maxBodyBytes: cap, bodyExpected: bodyExpected)
    do throws(TransportError) {
        for piece in pieces {
            if let response = try reader.feed(piece) { return outcome(response) }
        }
        return outcome(try reader.finish())
    } catch {
        return .failure(error)
    }
}

private func outcome(_ response: HTTPResponse) -> ResponseOutcome {
    .success(status: response.status, headers: response.headers, body: response.body)
}
