import Foundation
import XCTest

/// Decompresses with Python's zlib as one gzip member (wbits 31 checks
/// header, CRC-32 and length); fails unless the stream ends exactly there.
package func gunzip(_ bytes: [UInt8]) throws -> String {
    try requireTools(executables: ["python3"])
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("in.gz"), output = dir.appendingPathComponent("out")
    try Data(bytes).write(to: input)
    let script = """
    import sys, zlib
    data = open(sys.argv[1], 'rb').read()
    d = zlib.decompressobj(31)
    out = d.decompress(data) + d.flush()
    assert d.eof, 'gzip member not finished'
    assert d.unused_data == b'', 'bytes after the gzip member: %d' % len(d.unused_data)
    open(sys.argv[2], 'wb').write(out)
    """
    let result = try runScript(["python3", "-c", script, input.path, output.path], timeout: 60)
    XCTAssertEqual(result.status, 0, result.output)
    guard result.status == 0 else { throw XCTSkip("python3 could not decompress") }
    return try String(decoding: Data(contentsOf: output), as: UTF8.self)
}
