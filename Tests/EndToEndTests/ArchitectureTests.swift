import BalanceTestSupport
import Foundation
import XCTest

/// The package's layering, read from the manifest as SwiftPM itself sees it
/// (`swift package dump-package`): the compiler keeps imports inside each
/// target's declared dependencies, and this test keeps those dependencies
/// pointing down (README, "Architecture").
final class ArchitectureTests: XCTestCase {
    struct Target {
        var name: String
        var type: String
        var path: String
        var dependencies: [String]
    }

    /// Every target of Package.swift, as SwiftPM reads it.
    func manifestTargets() throws -> [Target] {
        try requireTools(executables: ["swift"])
        // Its own scratch path: the suite's `swift test` holds the lock on .build.
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try runScript(["swift", "package", "--scratch-path", scratch.path, "dump-package"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.output)
        let start = try XCTUnwrap(result.output.firstIndex(of: "{"), result.output)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.output[start...].utf8)) as? [String: Any])
        let targets = try XCTUnwrap(json["targets"] as? [[String: Any]])
        return targets.map { target in
            let name = target["name"] as? String ?? ""
            let type = target["type"] as? String ?? ""
            let dependencies = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
                (dependency.values.first as? [Any])?.first as? String
            }
            let path = target["path"] as? String ?? ((type == "test" ? "Tests/" : "Sources/") + name)
            return Target(name: name, type: type, path: path, dependencies: dependencies)
        }
    }

    /// The layers, lowest first: a target may depend only on targets of lower layers.
    static let layers: [[String]] = [
        ["CZlib", "COpenSSL", "CMalloc", "BalanceSupport", "BalanceCrypto"],
        ["BalanceSockets"],
        ["BalanceHTTP"],
        ["BalanceCore", "BalanceSimulators"],
        ["BalanceTencentCloud", "BalanceYeastar", "BalanceAlibabaCloud", "BalanceHuaweiCloud", "BalanceVolcengine"],
        ["BalanceExporter"],
        ["balance_exporter", "BalanceTestSupport"],
    ]
    static let providerTargets = ["BalanceTencentCloud", "BalanceYeastar", "BalanceAlibabaCloud", "BalanceVolcengine", "BalanceHuaweiCloud"]

    func testEveryArrowPointsDown() throws {
        let targets = try manifestTargets()
        let layer = Dictionary(uniqueKeysWithValues: Self.layers.enumerated().flatMap { index, names in names.map { ($0, index) } })
        for target in targets where target.type != "test" {
            let own = try XCTUnwrap(layer[target.name], "\(target.name) has no layer in ArchitectureTests.layers")
            for dependency in target.dependencies {
                let theirs = try XCTUnwrap(layer[dependency], "\(dependency) has no layer")
                XCTAssertLessThan(theirs, own, "\(target.name) -> \(dependency) points up or sideways")
            }
        }
        let libraries = targets.filter { $0.type == "regular" && $0.path.hasPrefix("Sources/") }
        XCTAssertGreaterThanOrEqual(libraries.count, 6, libraries.map(\.name).description)
    }

    func testHTTPKnowsNothingAboveItAndTheSimulatorsNoProvider() throws {
        let targets = try manifestTargets()
        let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
        func closure(_ name: String) -> Set<String> {
            var seen = Set<String>(), stack = byName[name]?.dependencies ?? []
            while let next = stack.popLast() {
                if seen.insert(next).inserted { stack += byName[next]?.dependencies ?? [] }
            }
            return seen
        }
        let http = closure("BalanceHTTP")
        for above in ["BalanceCore", "BalanceSimulators", "BalanceExporter"] + Self.providerTargets {
            XCTAssertFalse(http.contains(above), "BalanceHTTP depends on \(above)")
        }
        let simulators = closure("BalanceSimulators")
        for forbidden in ["BalanceCore", "BalanceExporter"] + Self.providerTargets {
            XCTAssertFalse(simulators.contains(forbidden), "BalanceSimulators depends on \(forbidden)")
        }
        for provider in Self.providerTargets {
            XCTAssertNotNil(byName[provider], "no target \(provider)")
            XCTAssertTrue(closure(provider).contains("BalanceCore"), "\(provider) is not built on BalanceCore")
            XCTAssertFalse(Self.providerTargets.contains(where: closure(provider).contains), "\(provider) depends on another provider")
        }
    }

    func testNoTargetHoldsMoreThanAThirdOfTheSourceLines() throws {
        let targets = try manifestTargets().filter { $0.type != "system-target" && $0.path.hasPrefix("Sources/") }
        var lines: [String: Int] = [:]
        for target in targets {
            let folder = repositoryRoot.appendingPathComponent(target.path)
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            lines[target.name] = try files.reduce(0) { $0 + (try String(contentsOf: $1, encoding: .utf8)).split(separator: "\n").count }
        }
        let total = lines.values.reduce(0, +)
        XCTAssertGreaterThan(total, 0)
        for (name, count) in lines {
            XCTAssertLessThanOrEqual(Double(count), Double(total) * 0.36, "\(name) holds \(count) of \(total) source lines")
        }
    }

    /// SwiftPM refuses a manifest whose target folders are missing, test
    /// targets included, so the image's build stage must copy every one.
    func testTheDockerfileCopiesEveryTargetFolder() throws {
        let dockerfile = try String(contentsOf: repositoryRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let copied = dockerfile.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.first == "COPY", words.count == 3, !line.contains("--from") else { return nil }
            return String(words[1])
        }
        for target in try manifestTargets() {
            XCTAssertTrue(copied.contains { target.path == $0 || target.path.hasPrefix($0 + "/") },
                          "the Dockerfile does not copy \(target.path) (target \(target.name))")
        }
    }
}
