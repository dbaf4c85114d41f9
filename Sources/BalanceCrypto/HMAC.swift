/// HMAC (RFC 2104) over SHA-256, as TC3-HMAC-SHA256 derives its signing key
/// and signature with it.
package enum HMAC {
    package static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        // RFC 2104 §2: a key longer than the block is hashed first; then zero-padded to the block.
        var block = key.count > SHA256.blockByteCount ? SHA256.hash(key) : Array(key)
        block.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - block.count))
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// Convenience for the TC3 chain, where keys and messages are text.
    package static func sha256(key: some Collection<UInt8>, message: String) -> [UInt8] {
        sha256(key: key, message: Array(message.utf8))
    }
}
