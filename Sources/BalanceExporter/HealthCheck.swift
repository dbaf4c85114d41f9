import BalanceHTTP
import BalanceSupport

/// `--health-check`: a tiny probe of `/-/healthy`, so a container
/// HEALTHCHECK needs no shell, curl or wget.
package enum HealthCheck {
    /// The loopback address to probe for a listen address: a wildcard bind
    /// is reached through the loopback interface of its family.
    package static func probeTarget(for address: ListenAddress) -> (host: String, port: UInt16) {
        switch address.host {
        case .all: return ("127.0.0.1", address.port)
        case .numeric("0.0.0.0"): return ("127.0.0.1", address.port)
        case .numeric("::"): return ("::1", address.port)
        case .numeric(let host): return (host, address.port)
        case .name: return ("127.0.0.1", address.port)
        }
    }

    /// True when `GET /-/healthy` gets any HTTP answer within `timeout`
    /// seconds per attempt: with basic auth in force a `401` proves the
    /// server alive as well as a `200` (the probe knows no password). TLS
    /// (without verification) is tried first, then plain HTTP, so the
    /// image's `HEALTHCHECK`, which passes no flag, works either way; a TLS
    /// port that requires client certificates answers the plain attempt
    /// with its `400`. With `webConfigFile` (`--web.config.file`) the file
    /// says whether TLS is on, and a plain port is probed in plain HTTP only.
    package static func probe(host: String, port: UInt16, webConfigFile: String? = nil, timeout: Double = 3) -> Bool {
        var attempts = [true, false]
        if let path = webConfigFile, let bytes = try? SecretFile.read(path),
           let config = try? WebConfig.parse(bytes, directory: WebConfig.directory(of: path)), config.tls == nil {
            attempts = [false]
        }
        return attempts.contains { StatusProbe.status(host: host, port: port, path: "/-/healthy", tls: $0, timeout: timeout) != nil }
    }
}
