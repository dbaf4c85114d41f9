import BalanceTestSupport
import XCTest
@testable import BalanceCrypto
@testable import BalanceSupport

/// FIPS 180-2 appendix B vectors (the `abc`, 448-bit, 896-bit and million-`a` messages).
final class SHA256Tests: XCTestCase {
    func testEmptyMessage() {
        XCTAssertEqual(Hex.encode(SHA256.hash([UInt8]())), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testABC() {
        XCTAssertEqual(Hex.encode(SHA256.hash("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func test448BitMessage() {
        XCTAssertEqual(Hex.encode(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func test896BitMessage() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(Hex.encode(SHA256.hash(message)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testOneMillionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(Hex.encode(SHA256.hash(message)), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the same bytes in uneven pieces (across block boundaries) gives the same digest.
    /// Expected value: Python `hashlib.sha256(bytes(range(256)) * 10).hexdigest()`.
    func testIncrementalUpdatesMatchOneShot() {
        let message = Array((0..<2560).map { UInt8(truncatingIfNeeded: $0) })
        let expected = "e392378f849d67bbb1a7bbec84f1098ae3faa751049c009a850130ce6073d91a"
        XCTAssertEqual(Hex.encode(SHA256.hash(message)), expected)
        for pieceSize in [1, 7, 55, 56, 63, 64, 65, 200] {
            var hasher = SHA256()
            var offset = 0
            while offset < message.count {
                let end = min(offset + pieceSize, message.count)
                hasher.update(message[offset..<end])
                offset = end
            }
            XCTAssertEqual(Hex.encode(hasher.finalize()), expected, "piece size \(pieceSize)")
        }
    }

    /// Messages whose padding falls either side of the 56-byte boundary.
    func testPaddingBoundaries() {
        // Python: hashlib.sha256(b"a" * n).hexdigest()
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
        ]
        for (count, digest) in expected {
            XCTAssertEqual(Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: count))), digest, "\(count) bytes")
        }
    }

    func testHexRoundTrip() {
        XCTAssertEqual(Hex.decode("00ff10Ab"), [0x00, 0xff, 0x10, 0xab])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }
}
