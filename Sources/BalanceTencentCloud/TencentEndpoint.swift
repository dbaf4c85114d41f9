import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Where one Tencent Cloud API is reached and how it is signed for, pure.
struct TencentEndpoint: Sendable, Equatable {
    /// The request URL (`https://billing.intl.tencentcloudapi.com/`).
    var url: HTTPURL
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
        guard var url = HTTPURL(string: text.trimmingASCIIWhitespace()), url.query == nil else { return nil }
        // The transport's own Host rule, lower-cased as TC3 signs it.
        hostHeader = url.hostHeader.lowercased()
        if url.path.isEmpty { url.path = "/" }
        self.url = url
        let lowerHost = url.host.lowercased()
        let suffix = ".tencentcloudapi.com"
        if lowerHost.hasSuffix(suffix), let label = lowerHost.split(separator: ".").first {
            service = String(label)
        } else {
            service = defaultService
        }
    }

    /// Never empty: `init` makes an empty path `/`.
    var path: String { url.path }
}
