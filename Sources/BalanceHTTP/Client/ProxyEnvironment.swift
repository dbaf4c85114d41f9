import BalanceSupport

/// Which proxy, if any, an upstream call goes through: pure, from an explicit
/// environment and the configuration's `proxy_url`.
///
/// The environment is read as Go's golang.org/x/net/http/httpproxy reads it
/// (https://pkg.go.dev/golang.org/x/net/http/httpproxy#Config), what Go
/// exporters and Prometheus do:
/// - `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http ones, each upper
///   case first, then lower case (an empty value counts as unset);
/// - a proxy without a scheme is `http://`;
/// - `NO_PROXY` (then `no_proxy`): a comma list of `*` (no proxy at all),
///   IP addresses, CIDR ranges, and host names: `example.com` matches it
///   and its subdomains, `.example.com` and `*.example.com` subdomains only;
///   an IP address or name may carry a port (`10.0.0.1:8080`,
///   `[2001:db8::1]:443`, `example.com:443`), which must then match too;
///   entries it cannot read are skipped;
/// - `localhost` and loopback addresses are never proxied by the environment.
///
/// Where curl reads the environment differently (https://curl.se/docs/manpage.html#--noproxy,
/// https://everything.curl.dev/usingcurl/proxies/env.html), Go's rules win:
/// curl ignores upper-case `HTTP_PROXY`; its `.example.com` also matches
/// example.com itself; its NO_PROXY entries take no port; it reads CIDR
/// ranges only since 7.86; it proxies localhost unless told not to.
///
/// The configuration's `proxy_url` overrides the environment (an account's
/// over the top level's): a URL is used for every call, loopback included;
/// `""` turns the environment's proxy off. Instance-metadata hosts are never
/// proxied, whatever is configured: through a proxy they would answer with
/// the proxy host's credentials.
package enum ProxySelection {
    /// Cloud instance-metadata services (Tencent Cloud's, Alibaba Cloud's and
    /// the link-local one most clouds use).
    package static let metadataHosts: Set<String> = ["169.254.169.254", "100.100.100.200", "metadata.tencentyun.com"]

    /// The proxy for a call to `url`; nil: connect directly.
    package static func proxy(for url: HTTPURL, setting: ProxySetting, environment: ProxyEnvironment) -> ProxyURL? {
        var host = url.host.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !metadataHosts.contains(host) else { return nil }
        switch setting {
        case .environment: return environment.proxy(for: url)
        case .direct: return nil
        case .proxy(let proxy): return proxy
        }
    }
}

/// What the configuration says about proxies for one account.
package enum ProxySetting: Sendable, Equatable, Hashable {
    /// No `proxy_url`: the environment decides.
    case environment
    /// `proxy_url: ""`: no proxy, whatever the environment says.
    case direct
    case proxy(ProxyURL)

    /// The account's `proxy_url` if it has one, else the top level's.
    package init(account: String?, topLevel: String?) throws(ProxyError) {
        switch account ?? topLevel {
        case nil: self = .environment
        case ""?: self = .direct
        case let text?: self = .proxy(try ProxyURL.parse(text))
        }
    }
}

package enum ProxyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The proxy URL is not one we can use; the message never holds its password.
    case invalid(String)

    package var description: String {
        switch self {
        case .invalid(let message): return "invalid proxy URL: \(message)"
        }
    }
}

/// An HTTP proxy: `http://[user[:password]@]host[:port]`, `http://` assumed
/// when no scheme is given (as Go does), port 80 when none. User and password
/// are percent-decoded (`pa%40ss` is `pa@ss`). A path is ignored, as Go
/// ignores it. `https://` (TLS to the proxy) and `socks5://` are refused.
package struct ProxyURL: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A name, an IPv4 address, or an IPv6 address without brackets.
    package var host: String
    package var port: Int
    package var user: String?
    package var password: String?

    package static func parse(_ text: String) throws(ProxyError) -> ProxyURL {
        var rest = Substring(text.trimmingWhitespace())
        if let separator = rest.firstRange(of: "://") {
            let scheme = rest[..<separator.lowerBound].lowercased()
            guard scheme == "http" else {
                throw .invalid(scheme == "https" || scheme == "socks5"
                    ? "\(scheme):// proxies are not supported (use an http:// proxy; https upstreams still go through it end to end with CONNECT)"
                    : "the scheme must be http://")
            }
            rest = rest[separator.upperBound...]
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var user: String?
        var password: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let colon = userinfo.firstIndex(of: ":")
            user = percentDecoded(userinfo[..<(colon ?? userinfo.endIndex)])
            if let colon { password = percentDecoded(userinfo[userinfo.index(after: colon)...]) }
            guard user != nil, colon == nil || password != nil else {
                throw .invalid("bad percent-encoding in the user name or password")
            }
        }
        // `HTTPURL` checks the host and port by RFC 3986's rules.
        guard !hostPort.isEmpty, let parsed = HTTPURL(string: "http://" + hostPort) else {
            throw .invalid("expected host[:port] (an IPv6 address in brackets), got \"\(hostPort)\"")
        }
        return ProxyURL(host: parsed.host, port: parsed.port ?? 80, user: user, password: password)
    }

    /// `host:port`, IPv6 in brackets: the proxy to connect to.
    package var authority: String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    /// `Proxy-Authorization: Basic ...` for the proxy's credentials (RFC 9110 §11.7.1, RFC 7617).
    package var proxyAuthorization: String? {
        user.map { BasicCredentials(user: $0, password: Array((password ?? "").utf8)).headerValue }
    }

    /// For logs and errors: the password as `xxxxx` (Go's url.URL.Redacted).
    package var redacted: String {
        guard let user else { return "http://" + authority }
        return "http://" + user + (password == nil ? "" : ":xxxxx") + "@" + authority
    }

    package var description: String { redacted }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The proxy variables of an environment, read once.
package struct ProxyEnvironment: Sendable {
    private let httpProxy: ProxyURL?
    private let httpsProxy: ProxyURL?
    private let noProxy: [NoProxyEntry]

    /// No proxy variables at all.
    package init() {
        httpProxy = nil
        httpsProxy = nil
        noProxy = []
    }

    /// An unreadable proxy variable is an error naming it (Go silently
    /// connects directly instead; we would rather say so at start-up).
    package init(_ environment: [String: String]) throws(ProxyError) {
        func value(_ names: String...) -> (name: String, value: String)? {
            for name in names { if let value = environment[name], !value.isEmpty { return (name, value) } }
            return nil
        }
        func proxy(_ upper: String, _ lower: String) throws(ProxyError) -> ProxyURL? {
            guard let (name, text) = value(upper, lower) else { return nil }
            do {
                return try ProxyURL.parse(text)
            } catch {
                throw .invalid("\(name): \(error.description.dropFirst("invalid proxy URL: ".count))")
            }
        }
        httpProxy = try proxy("HTTP_PROXY", "http_proxy")
        httpsProxy = try proxy("HTTPS_PROXY", "https_proxy")
        noProxy = (value("NO_PROXY", "no_proxy")?.value ?? "").split(separator: ",").compactMap(NoProxyEntry.init)
    }

    /// The environment's proxy for `url`; nil: directly.
    package func proxy(for url: HTTPURL) -> ProxyURL? {
        guard let proxy = url.secure ? httpsProxy : httpProxy else { return nil }
        return bypasses(host: url.host, port: url.port ?? url.defaultPort) ? nil : proxy
    }

    /// Whether a call to `host:port` goes directly: localhost, a loopback
    /// address, or a NO_PROXY match.
    package func bypasses(host: String, port: Int) -> Bool {
        let host = host.lowercased()
        if host == "localhost" { return true }
        let address = IPAddress(host)
        if address?.isLoopback == true { return true }
        return noProxy.contains { $0.matches(host: host, address: address, port: port) }
    }
}

/// One entry of NO_PROXY, as httpproxy's `config.init` reads it.
private enum NoProxyEntry {
    case all
    case range(IPAddress, prefix: Int)
    case address(IPAddress, port: Int?)
    /// `suffix` starts with a dot; `matchesItself`: `example.com` also matches example.com.
    case domain(suffix: String, matchesItself: Bool, port: Int?)

    init?(_ raw: Substring) {
        let entry = raw.trimmingWhitespace().lowercased()
        if entry.isEmpty { return nil }
        if entry == "*" {
            self = .all
            return
        }
        if let slash = entry.firstIndex(of: "/") {
            guard let address = IPAddress(String(entry[..<slash])), let prefix = Int(entry[entry.index(after: slash)...]),
                  (0...(address.bytes.count * 8)).contains(prefix) else { return nil }
            self = .range(address, prefix: prefix)
            return
        }
        var host = Substring(entry)
        var port: Int?
        // host:port or [v6]:port; a bare IPv6 address has colons of its own.
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { return nil }
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()), (0...65535).contains(number) else { return nil }
                port = number
            }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            guard let number = Int(host[host.index(after: colon)...]), (0...65535).contains(number) else { return nil }
            port = number
            host = host[..<colon]
        }
        if host.isEmpty { return nil }
        if let address = IPAddress(String(host)) {
            self = .address(address, port: port)
            return
        }
        if host.hasPrefix("*.") { host = host.dropFirst() }
        let matchesItself = !host.hasPrefix(".")
        self = .domain(suffix: matchesItself ? "." + host : String(host), matchesItself: matchesItself, port: port)
    }

    func matches(host: String, address: IPAddress?, port: Int) -> Bool {
        switch self {
        case .all:
            return true
        case .range(let network, let prefix):
            return address.map { $0.isIn(network, prefix: prefix) } ?? false
        case .address(let entry, let entryPort):
            return address == entry && (entryPort == nil || entryPort == port)
        case .domain(let suffix, let matchesItself, let entryPort):
            let named = host.hasSuffix(suffix) || (matchesItself && host == suffix.dropFirst())
            return named && (entryPort == nil || entryPort == port)
        }
    }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address in its text forms
/// (dotted quad without leading zeros, as Go reads it; RFC 4291 §2.2 for
/// IPv6, `::` and a trailing dotted quad included). An IPv4-mapped IPv6
/// address is its IPv4 address, as Go compares them.
struct IPAddress: Equatable {
    let bytes: [UInt8]

    init?(_ text: String) {
        if !text.contains(":") {
            guard let v4 = Self.v4(Substring(text)) else { return nil }
            bytes = v4
            return
        }
        guard let v6 = Self.v6(Substring(text)) else { return nil }
        bytes = v6.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) ? Array(v6.suffix(4)) : v6
    }

    var isLoopback: Bool {
        bytes.count == 4 ? bytes[0] == 127 : bytes == Array(repeating: 0, count: 15) + [1]
    }

    func isIn(_ network: IPAddress, prefix: Int) -> Bool {
        guard bytes.count == network.bytes.count else { return false }
        for bit in 0..<prefix {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if bytes[bit / 8] & mask != network.bytes[bit / 8] & mask { return false }
        }
        return true
    }

    private static func v4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                  part.count == 1 || part.first != "0", let value = UInt8(part) else { return nil }
            out.append(value)
        }
        return out
    }

    private static func v6(_ text: Substring) -> [UInt8]? {
        var halves = [text]
        if let gap = text.firstRange(of: "::") {
            halves = [text[..<gap.lowerBound], text[gap.upperBound...]]
            guard halves[1].firstRange(of: "::") == nil else { return nil }
        }
        func groups(_ part: Substring) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var out: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = v4(piece) else { return nil }
                    out += v4
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    out += [UInt8(value >> 8), UInt8(value & 0xFF)]
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
