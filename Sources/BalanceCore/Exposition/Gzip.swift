import BalanceHTTP
import CZlib

/// gzip (RFC 1952) through the system zlib, built so that a body made of a
/// cached part and a per-scrape part is compressed once per change of the
/// cached part: `prefix` compresses the cached bytes into the gzip header
/// plus deflate blocks ending on a byte boundary without a final block
/// (`Z_SYNC_FLUSH`, RFC 1951 §3.2.4: an empty stored block); `finish`
/// appends the per-scrape bytes as an independent raw deflate stream whose
/// last block is final, then the trailer: the CRC-32 of everything
/// (`crc32_combine`) and its length mod 2^32. The result is one ordinary gzip
/// member (what pigz does to compress in parallel), which every client
/// decompresses. Pure: bytes in, bytes out; nil only if zlib fails (out of
/// memory), and the caller then answers uncompressed.
package enum Gzip {
    /// A compressed beginning of a gzip member, not yet finished.
    package struct Prefix: Sendable {
        /// Gzip header + deflate blocks (no final block), ends byte-aligned.
        package var bytes: [UInt8]
        /// CRC-32 and length of the uncompressed bytes it holds.
        var crc: UInt
        var length: Int
    }

    /// zlib's default: the size/speed balance gzip(1) and Go's promhttp use.
    static let cachedLevel: Int32 = 6
    /// The per-scrape part is a few hundred bytes of process metrics: a
    /// fast level and a small window/hash keep its per-scrape cost and
    /// allocation small.
    static let tailLevel: Int32 = 1

    /// RFC 1952 §2.3: ID1 ID2, CM = 8 (deflate), no flags, MTIME 0 (none),
    /// XFL 0, OS 3 (Unix), as `gzip -n` writes it.
    static let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]

    package static func prefix(_ data: [UInt8]) -> Prefix? {
        guard let blocks = deflateRaw(data, level: cachedLevel, windowBits: 15, memLevel: 8, flush: Z_SYNC_FLUSH) else { return nil }
        var bytes = header
        bytes.reserveCapacity(header.count + blocks.count + 16)
        bytes.append(contentsOf: blocks)
        return Prefix(bytes: bytes, crc: checksum(data), length: data.count)
    }

    /// The whole member: `prefix` followed by `tail`.
    package static func finish(_ prefix: Prefix, tail: [UInt8]) -> [UInt8]? {
        guard let blocks = deflateRaw(tail, level: tailLevel, windowBits: 9, memLevel: 1, flush: Z_FINISH) else { return nil }
        let crc = crc32_combine(prefix.crc, checksum(tail), off_t(tail.count))
        let length = UInt32(truncatingIfNeeded: prefix.length &+ tail.count)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefix.bytes.count + blocks.count + 8)
        bytes.append(contentsOf: prefix.bytes)
        bytes.append(contentsOf: blocks)
        appendLittleEndian(UInt32(truncatingIfNeeded: crc), to: &bytes)
        appendLittleEndian(length, to: &bytes)
        return bytes
    }

    // MARK: zlib

    static func checksum(_ data: [UInt8]) -> UInt {
        data.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
    }

    private static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Raw deflate (negative windowBits: no zlib wrapper) of all of `data`,
    /// ended with `flush`.
    private static func deflateRaw(_ data: [UInt8], level: Int32, windowBits: Int32, memLevel: Int32, flush: Int32) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_deflate_init(&stream, level, -windowBits, memLevel) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        // deflateBound covers Z_FINISH; a sync flush adds at most an empty stored block.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 16)
        var produced = 0
        let ok = data.withUnsafeBufferPointer { inputBuffer -> Bool in
            // zlib never writes through next_in (it is `z_const` when built with ZLIB_CONST).
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = uInt(inputBuffer.count)
            while true {
                if produced == output.count { output.append(contentsOf: repeatElement(0, count: max(64, output.count / 2))) }
                let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = uInt(out.count - produced)
                    let status = deflate(&stream, flush)
                    produced = out.count - Int(stream.avail_out)
                    return status
                }
                switch status {
                case Z_STREAM_END: return true
                case Z_OK, Z_BUF_ERROR:
                    // Z_SYNC_FLUSH is complete once input is consumed and output room remains.
                    if flush != Z_FINISH, stream.avail_in == 0, stream.avail_out > 0 { return true }
                    continue
                default: return false
                }
            }
        }
        guard ok else { return nil }
        output.removeSubrange(produced...)
        return output
    }
}
