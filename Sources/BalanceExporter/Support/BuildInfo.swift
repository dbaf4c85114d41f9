/// Version facts for `--version`, the landing page and `balance_exporter_build_info`.
public enum BuildInfo {
    public static let version = "0.1.0"
    /// Set at build time by `-Xswiftc -DREVISION_...` is not portable; the
    /// Dockerfile and release builds pass `BALANCE_EXPORTER_REVISION` instead.
    public static let revision = "unknown"
    public static var swiftVersion: String {
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
    public static var userAgent: String { "balance_exporter/\(version)" }
}
