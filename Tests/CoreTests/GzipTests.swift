import BalanceTestSupport
import XCTest
@testable import BalanceCore

/// `Gzip`: a cached prefix and a per-scrape tail make one valid gzip member
/// (checked by Python's zlib, not by our own code).
final class GzipTests: XCTestCase {
    func testPrefixAndTailMakeOneMemberOfBothParts() throws {
        var big: [UInt8] = []
        for i in 0..<200_000 { big.append(UInt8(ascii: "a") + UInt8((i &* 7919) % 26)) }
        for (cached, tail) in [([UInt8](), [UInt8]()), (big, Array("process_open_fds 7\n".utf8)), (Array("x\n".utf8), big)] {
            let prefix = try XCTUnwrap(Gzip.prefix(cached))
            let member = try XCTUnwrap(Gzip.finish(prefix, tail: tail))
            XCTAssertEqual(try gunzip(member), String(decoding: cached + tail, as: UTF8.self))
        }
    }
}
