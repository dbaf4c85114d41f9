#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where one Tencent Cloud API is reached and how it is signed for, pure.
struct TencentEndpoint: Sendable, Equatable {
    /// The request URL (`https://billing.intl.tencentcloudapi.com/`).
    var url: URL
    /// The `Host` header as sent and signed: `host`, or `host:port` when the
    /// URL names a non-default port (what curl itself would send).
    var hostHeader: String
    /// The TC3 credential-scope service.
    var service: String

    /// Parses an `http(s)://host[:port][/path]` endpoint. The service is the
    /// first label of a `*.tencentcloudapi.com` host (TC3 spec: "service is the
    /// first label of the host"); for any other host (loopback simulators, a
    /// proxy) it is `defaultService`.
    init?(_ text: String, defaultService: String) {
        guard let components = URLComponents(string: TencentText.trim(text)),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty, components.query == nil, components.user == nil
        else { return nil }
        let lowerHost = host.lowercased()
        let defaultPort = scheme == "https" ? 443 : 80
        let bracketed = lowerHost.contains(":") && !lowerHost.hasPrefix("[") ? "[\(lowerHost)]" : lowerHost
        if let port = components.port, port != defaultPort {
            hostHeader = "\(bracketed):\(port)"
        } else {
            hostHeader = bracketed
        }
        var normalized = components
        if normalized.path.isEmpty { normalized.path = "/" }
        guard let url = normalized.url else { return nil }
        self.url = url
        let suffix = ".tencentcloudapi.com"
        if lowerHost.hasSuffix(suffix), let label = lowerHost.split(separator: ".").first {
            service = String(label)
        } else {
            service = defaultService
        }
    }

    var path: String { url.path.isEmpty ? "/" : url.path }
}
