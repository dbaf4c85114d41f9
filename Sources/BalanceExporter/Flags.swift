import BalanceCore
import BalanceHTTP
import BalanceSupport
import BalanceYeastar

/// Command-line flags, in the style of the Prometheus exporter toolkit:
/// `--name=value` or `--name value`; booleans take no value.
package struct Flags: Sendable, Equatable {
    package var configFile: String?
    package var configCheck = false
    package var webConfigFile: String?
    package var listenAddresses: [String] = []
    package var telemetryPath = "/metrics"
    package var maxConnections = ServerLimits().maxConnections
    package var maxConnectionsPerPeer = ServerLimits().maxConnectionsPerPeer
    package var enableLifecycle = false
    package var logLevel: LogLevel = .info
    package var logFormat: LogFormat = .logfmt
    package var demo = false
    package var healthCheck = false
    package var version = false
    package var help = false

    package init() {}

    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    static let valueFlags: Set<String> = ["config.file", "web.config.file", "web.listen-address", "web.telemetry-path", "web.max-connections",
                                          "web.max-connections-per-peer", "log.level", "log.format"]
    static let boolFlags: Set<String> = ["config.check", "web.enable-lifecycle", "demo", "health-check", "version", "help"]

    package static func parse(_ arguments: [String]) throws(Problem) -> Flags {
        var flags = Flags()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-h" { flags.help = true; continue }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw Problem(message: "unexpected argument \"\(argument)\"")
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if boolFlags.contains(name) {
                var on = true
                if let value {
                    guard let parsed = Bool(value) else { throw Problem(message: "flag --\(name) takes no value or true/false, got \"\(value)\"") }
                    on = parsed
                }
                switch name {
                case "config.check": flags.configCheck = on
                case "web.enable-lifecycle": flags.enableLifecycle = on
                case "demo": flags.demo = on
                case "health-check": flags.healthCheck = on
                case "version": flags.version = on
                default: flags.help = on
                }
                continue
            }
            guard valueFlags.contains(name) else { throw Problem(message: "unknown flag --\(name)") }
            if value == nil {
                guard index < arguments.count else { throw Problem(message: "flag --\(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            let text = value ?? ""
            switch name {
            case "config.file":
                flags.configFile = text
            case "web.config.file":
                flags.webConfigFile = text
            case "web.listen-address":
                flags.listenAddresses.append(text)
            case "web.telemetry-path":
                guard isAbsolutePath(text), !Router.fixedPaths.contains(text) else {
                    throw Problem(message: "--web.telemetry-path must be an absolute path of URL path characters (RFC 3986: letters, digits, -._~!$&'()*+,;=:@/ and %XX) other than \(Router.fixedPaths.joined(separator: ", ")), got \"\(text)\"")
                }
                flags.telemetryPath = text
            case "web.max-connections":
                guard let n = Int(text), n > 0 else { throw Problem(message: "--web.max-connections must be a positive integer, got \"\(text)\"") }
                flags.maxConnections = n
            case "web.max-connections-per-peer":
                guard let n = Int(text), n > 0 else {
                    throw Problem(message: "--web.max-connections-per-peer must be a positive integer, got \"\(text)\"")
                }
                flags.maxConnectionsPerPeer = n
            case "log.level":
                guard let level = LogLevel(name: text) else { throw Problem(message: "--log.level must be one of debug, info, warn, error, got \"\(text)\"") }
                flags.logLevel = level
            default:
                guard let format = LogFormat(rawValue: text) else { throw Problem(message: "--log.format must be logfmt or json, got \"\(text)\"") }
                flags.logFormat = format
            }
        }
        if flags.demo && flags.configFile != nil {
            throw Problem(message: "--demo runs on simulated accounts and cannot be combined with --config.file")
        }
        return flags
    }

    /// RFC 3986 §3.3 path-absolute: "/" and segments of pchar (unreserved,
    /// percent-encoded, sub-delims, ":", "@"); no query, fragment or space.
    static func isAbsolutePath(_ text: String) -> Bool {
        guard text.hasPrefix("/") else { return false }
        var rest = Substring(text)
        while let c = rest.popFirst() {
            if c == "%" {
                let hex = rest.prefix(2)
                guard hex.count == 2, hex.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return false }
                rest.removeFirst(2)
            } else if !(c.isASCII && (c.isLetter || c.isNumber)) && !"-._~!$&'()*+,;=:@/".contains(c) {
                return false
            }
        }
        return true
    }

    package static let usage = """
    usage: balance_exporter [flags]

    Prometheus exporter for prepaid account balances (Tencent Cloud, Yeastar Partner Portal).

    Flags:
      --config.file=PATH           Configuration file: YAML for .yml/.yaml, else strict JSON. Without
                                   it, accounts come from TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY
                                   and YEASTAR_CLIENT_ID/YEASTAR_CLIENT_SECRET.
      --config.check               Validate the configuration, print the result and exit (0 valid, 1 not).
      --web.config.file=PATH       exporter-toolkit web configuration (YAML): TLS, client certificates,
                                   basic auth, response headers. Re-read when it or a file it names changes.
      --web.listen-address=ADDR    Address to listen on, repeatable (default ":\(ExporterOptions.defaultPort)":
                                   every interface, IPv4 and IPv6). Examples: 127.0.0.1:9788, [::1]:9788.
      --web.telemetry-path=PATH    Path of the metrics (default "/metrics").
      --web.max-connections=N      Concurrent connections served; at the cap the longest idle one makes room,
                                   else a new one is refused (default \(ServerLimits().maxConnections)).
      --web.max-connections-per-peer=N
                                   Concurrent connections from one IP address (default \(ServerLimits().maxConnectionsPerPeer)).
      --web.enable-lifecycle       Allow POST/PUT /-/reload (without it: 403, as Prometheus). SIGHUP always reloads.
      --log.level=LEVEL            debug, info, warn or error (default info).
      --log.format=FORMAT          logfmt or json (default logfmt).
      --demo                       Run on simulated upstreams on loopback: no cloud account needed.
      --health-check               Probe /-/healthy of the exporter at the first listen address (TLS, then
                                   plain HTTP; any answer, 401 too, counts) and exit 0 if it answers,
                                   1 if not (for container HEALTHCHECK).
      --version                    Print the version and exit.
      --help, -h                   Print this help and exit.

    Endpoints: /metrics, / (status page), /api/v1/accounts, /-/healthy, /-/ready, POST /-/reload (with --web.enable-lifecycle).
    """
}
