/// Version facts for `--version`, the landing page and `balance_exporter_build_info`.
package enum BuildInfo {
    package static let version = "0.1.0"
    /// The source revision. SwiftPM cannot inject a string at build time
    /// without a plugin (a package we do not take), so it is "unknown" here;
    /// container images carry the revision in their OCI label instead.
    package static let revision = "unknown"
    package static var swiftVersion: String {
        #if compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }
    package static var userAgent: String { "balance_exporter/\(version)" }
}
