// swift-tools-version:6.0
import PackageDescription

// balance_exporter: a Prometheus exporter for prepaid account balances.
// The product owner's rule: no package dependencies, only the toolchain.
//
// The targets are layers; every arrow points down (README, "Architecture"):
//
//   balance_exporter (main.swift)
//     -> BalanceExporter (the app: wiring, routes, pages, flags, signals, demo)
//          -> BalanceTencentCloud, BalanceYeastar   (one target per provider)
//               -> BalanceCore (provider contract, config, refresh engine, metrics, exposition)
//                    -> BalanceHTTP (one HTTP model; codec, server, client with TLS, web configuration)
//                         -> BalanceSockets (every libc socket call), BalanceCrypto
//                              -> BalanceSupport (logger, clock, JSON, text, files)
//          -> BalanceSimulators (each provider's protocol, spoken independently: no provider, no core)
//               -> BalanceHTTP, BalanceCrypto, BalanceSupport
//   BalanceCrypto (SHA-256, HMAC) -> nothing
let swiftSettings: [SwiftSetting] = [
    // A file sees only the members of modules it imports itself, so one stray import cannot let the
    // others use a module unnoticed.
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "balance_exporter",
    products: [
        .executable(name: "balance_exporter", targets: ["balance_exporter"]),
    ],
    targets: [
        // System libraries (module maps in Sources/C*): zlib for gzip responses (zlib1g-dev),
        // OpenSSL for TLS (libssl-dev), glibc's <malloc.h> (part of libc, nothing to link).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc"),

        .target(name: "BalanceSupport", swiftSettings: swiftSettings),
        .target(name: "BalanceCrypto", swiftSettings: swiftSettings),
        .target(name: "BalanceSockets", dependencies: ["BalanceSupport"], swiftSettings: swiftSettings),
        .target(name: "BalanceHTTP", dependencies: ["BalanceSockets", "BalanceCrypto", "BalanceSupport", "COpenSSL"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceCore", dependencies: ["BalanceHTTP", "BalanceSupport", "CZlib"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceTencentCloud",
                dependencies: ["BalanceCore", "BalanceHTTP", "BalanceCrypto", "BalanceSupport"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceYeastar", dependencies: ["BalanceCore", "BalanceHTTP", "BalanceSupport"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceAlibabaCloud",
                dependencies: ["BalanceCore", "BalanceHTTP", "BalanceCrypto", "BalanceSupport"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceHuaweiCloud",
                dependencies: ["BalanceCore", "BalanceHTTP", "BalanceCrypto", "BalanceSupport"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceVolcengine",
                dependencies: ["BalanceCore", "BalanceHTTP", "BalanceCrypto", "BalanceSupport"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceSimulators", dependencies: ["BalanceHTTP", "BalanceCrypto", "BalanceSupport"],
                swiftSettings: swiftSettings),
        .target(name: "BalanceExporter",
                dependencies: ["BalanceTencentCloud", "BalanceYeastar", "BalanceAlibabaCloud", "BalanceHuaweiCloud", "BalanceSimulators",
                               "BalanceCore", "BalanceHTTP", "BalanceSockets", "BalanceCrypto", "BalanceSupport"],
                swiftSettings: swiftSettings),
        .executableTarget(name: "balance_exporter",
                          dependencies: ["BalanceExporter", "BalanceCore", "BalanceHTTP", "BalanceSockets", "BalanceSupport", "CMalloc"],
                          swiftSettings: swiftSettings),

        // Tests: one shared support target (test clock, log capture, loopback servers, raw HTTP client,
        // scripts) and one test target per layer; EndToEndTests runs the real programs (Prometheus,
        // promtool, Python checks, the container image check, the fuzzers).
        .target(name: "BalanceTestSupport",
                dependencies: ["BalanceTencentCloud", "BalanceYeastar", "BalanceAlibabaCloud", "BalanceHuaweiCloud", "BalanceSimulators", "BalanceCore",
                               "BalanceHTTP", "BalanceSockets", "BalanceSupport"],
                path: "Tests/BalanceTestSupport"),
        .testTarget(name: "SupportTests",
                    dependencies: ["BalanceTestSupport", "BalanceSupport", "BalanceCrypto", "BalanceSockets"]),
        .testTarget(name: "HTTPTests",
                    dependencies: ["BalanceTestSupport", "BalanceHTTP", "BalanceSockets", "BalanceCrypto", "BalanceSupport"]),
        .testTarget(name: "CoreTests", dependencies: ["BalanceTestSupport", "BalanceCore", "BalanceHTTP", "BalanceSupport"]),
        .testTarget(name: "TencentCloudTests",
                    dependencies: ["BalanceTestSupport", "BalanceTencentCloud", "BalanceSimulators", "BalanceCore", "BalanceHTTP",
                                   "BalanceCrypto", "BalanceSupport"]),
        .testTarget(name: "YeastarTests",
                    dependencies: ["BalanceTestSupport", "BalanceYeastar", "BalanceSimulators", "BalanceCore", "BalanceHTTP",
                                   "BalanceSupport"]),
        .testTarget(name: "AlibabaCloudTests",
                    dependencies: ["BalanceTestSupport", "BalanceAlibabaCloud", "BalanceSimulators", "BalanceCore", "BalanceHTTP",
                                   "BalanceCrypto", "BalanceSupport"]),
        .testTarget(name: "HuaweiCloudTests",
                    dependencies: ["BalanceTestSupport", "BalanceHuaweiCloud", "BalanceSimulators", "BalanceCore", "BalanceHTTP",
                                   "BalanceCrypto", "BalanceSupport"]),
        .testTarget(name: "VolcengineTests",
                    dependencies: ["BalanceTestSupport", "BalanceVolcengine", "BalanceSimulators", "BalanceCore", "BalanceHTTP",
                                   "BalanceCrypto", "BalanceSupport"]),
        .testTarget(name: "SimulatorsTests",
                    dependencies: ["BalanceTestSupport", "BalanceSimulators", "BalanceTencentCloud", "BalanceYeastar",
                                   "BalanceAlibabaCloud", "BalanceCore",
                                   "BalanceHTTP", "BalanceCrypto", "BalanceSupport"]),
        .testTarget(name: "BalanceExporterTests",
                    dependencies: ["BalanceTestSupport", "BalanceExporter", "BalanceTencentCloud", "BalanceYeastar",
                                   "BalanceSimulators", "BalanceCore", "BalanceHTTP", "BalanceSockets", "BalanceSupport"]),
        .testTarget(name: "EndToEndTests",
                    dependencies: ["BalanceTestSupport", "BalanceExporter", "BalanceTencentCloud", "BalanceSimulators", "BalanceCore",
                                   "BalanceSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
