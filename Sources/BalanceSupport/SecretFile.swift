import Glibc

/// Reading configuration and secret files, with errno-based messages and a
/// check for files other users can read.
package enum SecretFile {
    package struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        package var path: String
        package var reason: String
        package var description: String { "cannot read \"\(path)\": \(reason)" }
    }

    package static func read(_ path: String) throws(ReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            // A secret or configuration file is small; refuse to slurp a device or a huge file.
            if bytes.count > 4 << 20 { throw ReadError(path: path, reason: "larger than 4 MiB") }
        }
        return bytes
    }

    /// The secret in a file: its content without surrounding whitespace and
    /// newlines (as written by `echo`, Kubernetes and Docker secrets).
    package static func readSecret(_ path: String) throws(ReadError) -> String {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(path: path, reason: "not valid UTF-8")
        }
        return text.trimmingWhitespace()
    }

    /// What to say when users other than the owner and group can read the
    /// file (`"PATH" is readable by other users; ...`); nil otherwise. The
    /// advice keeps the group's access: the container image reads its files
    /// through group 65532 with mode 0640 (README, "Container image").
    package static func readableByOthersWarning(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IROTH != 0 else { return nil }
        return "\"\(path)\" is readable by other users; remove their access (chmod o-rwx, or chmod 0640 for owner and group only)"
    }
}
