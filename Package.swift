// swift-tools-version:6.0
import PackageDescription

// balance_exporter: a Prometheus exporter for prepaid account balances.
// The product owner's rule: no package dependencies, only the toolchain.
let package = Package(
    name: "balance_exporter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "balance_exporter", targets: ["balance_exporter"]),
        .library(name: "BalanceExporter", targets: ["BalanceExporter"]),
    ],
    targets: [
        // The system zlib, for gzip responses (headers: apt-get install zlib1g-dev).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The system OpenSSL, for the upstream transport's TLS (headers: apt-get install libssl-dev).
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        // glibc's <malloc.h> (mallopt), which the Glibc module leaves out; part of libc, nothing to link.
        .systemLibrary(name: "CMalloc"),
        // MemberImportVisibility: a file sees only the members of modules it imports itself, so one
        // stray `import Foundation` cannot let the others use full Foundation unnoticed.
        .target(name: "BalanceExporter", dependencies: ["CZlib", "COpenSSL"],
                swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]),
        .executableTarget(name: "balance_exporter", dependencies: ["BalanceExporter", "CMalloc"]),
        .testTarget(name: "BalanceExporterTests", dependencies: ["BalanceExporter"]),
    ],
    swiftLanguageModes: [.v6]
)
