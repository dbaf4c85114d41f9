import BalanceSockets
import BalanceSupport
import Glibc

/// One `--web.listen-address` value, parsed like Go's `net.SplitHostPort`
/// so operators can reuse what they write for other exporters:
/// `:9788` (every interface, IPv4 and IPv6), `127.0.0.1:9788`, `[::1]:9788`,
/// `localhost:9788`. Port 0 asks the kernel for an ephemeral port.
package struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    package enum Host: Sendable, Equatable {
        /// Empty host: every interface, IPv4 and IPv6.
        case all
        /// A numeric IPv4 or IPv6 address, IPv6 without brackets.
        case numeric(String)
        /// A host name, resolved when the server binds.
        case name(String)
    }

    package var host: Host
    package var port: UInt16

    package init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:port`: what tests and loopback fakes bind.
    package static func loopback(port: UInt16 = 0) -> ListenAddress {
        ListenAddress(host: .numeric("127.0.0.1"), port: port)
    }

    package init(parsing text: String) throws(ListenAddressError) {
        func invalid(_ reason: String) -> ListenAddressError { ListenAddressError(address: text, reason: reason) }
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("missing ']' in address") }
            hostText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("missing port in address") }
            portText = rest.dropFirst()
            guard SocketAddress(numericHost: String(hostText), port: 0)?.family == AF_INET6 else {
                throw invalid("\"\(hostText)\" is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid("missing port in address") }
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            if hostText.contains(":") { throw invalid("too many colons in address (IPv6 needs brackets: [::1]:9788)") }
        }
        guard let port = Self.parsePort(portText) else {
            throw invalid("port must be a number from 0 to 65535")
        }
        self.port = port
        if hostText.isEmpty {
            guard !text.hasPrefix("[") else { throw invalid("empty IPv6 address") }
            host = .all
        } else if SocketAddress(numericHost: String(hostText), port: 0) != nil {
            host = .numeric(String(hostText))
        } else if Self.isHostName(hostText) {
            host = .name(String(hostText))
        } else {
            throw invalid("\"\(hostText)\" is neither an IP address nor a host name")
        }
    }

    /// The form operators wrote: `:9788`, `127.0.0.1:9788`, `[::1]:9788`.
    package var description: String {
        switch host {
        case .all: return ":\(port)"
        case .numeric(let address) where address.contains(":"): return "[\(address)]:\(port)"
        case .numeric(let address), .name(let address): return "\(address):\(port)"
        }
    }

    private static func parsePort(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt16(text)
    }

    /// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
    private static func isHostName(_ text: Substring) -> Bool {
        guard text.utf8.count <= 253 else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

/// A `--web.listen-address` value that cannot be parsed.
package struct ListenAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    package var address: String
    package var reason: String

    package var description: String { "invalid listen address \"\(address)\": \(reason)" }
}
