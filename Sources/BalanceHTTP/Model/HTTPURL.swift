import BalanceSupport

/// An absolute `http` or `https` URL (RFC 3986 §3), parsed strictly, pure:
/// what the upstream transport and the providers need, and nothing more.
///
/// - the scheme is `http` or `https`, in any case (kept lower-cased);
/// - the authority is a host with an optional `:port` (1...65535; an empty
///   port is no port): a registered name or IPv4 address, or an IPv6 address
///   in brackets (`host` holds it without them); no `user@` part;
/// - the path and the query keep their percent-encoding as written; a
///   fragment (`#...`) is dropped, as HTTP never sends one;
/// - a character outside RFC 3986's sets, a bad `%` escape or an empty host
///   make the text not a URL: `init?(string:)` is nil.
package struct HTTPURL: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    package var scheme: String
    /// A name, an IPv4 address, or an IPv6 address without brackets.
    package var host: String
    /// The port as written; nil for the scheme's default.
    package var port: Int?
    /// Percent-encoded, as written: empty or starting with `/`.
    package var path: String
    /// Percent-encoded, as written, without the `?`.
    package var query: String?

    package var secure: Bool { scheme == "https" }
    package var defaultPort: Int { secure ? 443 : 80 }

    /// The host as the authority writes it: an IPv6 address in brackets.
    package var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    /// The port a connection goes to: the one written, else the scheme's.
    package var effectivePort: Int { port ?? defaultPort }

    /// The `Host` header for this URL: the host (an IPv6 address in
    /// brackets), with `:port` only when it is not the scheme's default
    /// (RFC 9110 §7.2).
    package var hostHeader: String {
        effectivePort == defaultPort ? bracketedHost : "\(bracketedHost):\(effectivePort)"
    }

    /// The origin-form request target: the percent-encoded path (at least
    /// `/`) and `?query` (RFC 9112 §3.2.1).
    package var requestTarget: String {
        (path.isEmpty ? "/" : path) + (query.map { "?\($0)" } ?? "")
    }

    /// The URL as text (scheme lower-cased, no fragment).
    package var absoluteString: String {
        var text = scheme + "://" + bracketedHost
        if let port { text += ":\(port)" }
        text += path
        if let query { text += "?\(query)" }
        return text
    }

    package var description: String { absoluteString }

    package init?(string: String) {
        var rest = Substring(string)
        if let hash = rest.firstIndex(of: "#") {
            guard Self.isValid(rest[rest.index(after: hash)...], allowing: Self.queryBytes) else { return nil }
            rest = rest[..<hash]
        }
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let scheme = rest[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        rest = rest[rest.index(after: colon)...]
        guard rest.hasPrefix("//") else { return nil }
        rest = rest.dropFirst(2)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let (host, port) = Self.authority(rest[..<authorityEnd]) else { return nil }
        rest = rest[authorityEnd...]
        var path = rest
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            path = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        guard Self.isValid(path, allowing: Self.pathBytes) else { return nil }
        if let query, !Self.isValid(query, allowing: Self.queryBytes) { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = String(path)
        self.query = query.map(String.init)
    }

    // MARK: Grammar (RFC 3986 §3.2, §3.3, §3.4)

    /// `host[:port]`, IPv6 in brackets; nil for userinfo, an empty host, or a bad port.
    private static func authority(_ text: Substring) -> (String, Int?)? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard host.contains(":"), host.utf8.allSatisfy({ ipv6Bytes.contains($0) }) else { return nil }
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else {
            let colon = text.firstIndex(of: ":")
            host = text[..<(colon ?? text.endIndex)]
            portText = colon.map { text[text.index(after: $0)...] }
            guard host.utf8.allSatisfy({ regNameBytes.contains($0) }) else { return nil }
        }
        guard !host.isEmpty else { return nil }
        guard let portText, !portText.isEmpty else { return (String(host), nil) }
        guard portText.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Every byte in `allowed`, or a `%` followed by two hex digits.
    private static func isValid(_ text: Substring, allowing allowed: Set<UInt8>) -> Bool {
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = bytes.next(), let low = bytes.next(), isHex(high), isHex(low) else { return false }
            } else if !allowed.contains(byte) {
                return false
            }
        }
        return true
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    private static let subDelims = Set("!$&'()*+,;=".utf8)
    /// A host name or IPv4 address (no percent-encoding: DNS names never need it).
    private static let regNameBytes = unreserved.union(subDelims)
    private static let ipv6Bytes = Set("0123456789abcdefABCDEF:.".utf8)
    private static let pathBytes = unreserved.union(subDelims).union(":@/".utf8)
    private static let queryBytes = pathBytes.union("?".utf8)
}
