import BalanceTestSupport
import Foundation
import XCTest

/// The Dockerfile, verified without a container engine
/// (Tests/container/verify_image.sh): the release build with the
/// Dockerfile's flags runs in a debootstrapped bookworm root filesystem
/// holding only the Dockerfile's runtime packages, as its non-root user.
///
/// The suite only checks: it runs the script in the mode that installs and
/// downloads nothing. The root filesystem is provisioned beforehand by
/// `.ci/run` (or `verify_image.sh --provision-only`); without it the script
/// exits with `skipStatus` and one line saying what to run.
final class ContainerImageTests: XCTestCase {
    /// verify_image.sh's exit status when a component is missing (its SKIP_STATUS).
    private static let skipStatus: Int32 = 77

    private func requireRoot() throws {
        guard getuid() != 0 else { return }
        try componentMissing("verify_image.sh needs root (chroot, namespaces)")
        throw XCTSkip("failed: not root")
    }

    func testTheImageRunsTheDemoAsItsNonRootUser() throws {
        try requireRoot()
        let result = try runScript(["bash", "Tests/container/verify_image.sh"], timeout: 2400)
        if result.status == Self.skipStatus {
            let reason = result.output.split(separator: "\n").first { $0.hasPrefix("SKIP ") } ?? "component missing"
            return try componentMissing("verify_image.sh: \(reason)")
        }
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains(", 0 failed"), result.output)
    }

    /// What a developer's `swift test` does without a provisioned root
    /// filesystem: it says how to provision one and leaves the machine alone
    /// (no debootstrap, no directory created, no build started).
    func testWithoutARootFilesystemItSaysHowToProvisionAndChangesNothing() throws {
        try requireRoot()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("rootfs-cache")
        let result = try runScript(["bash", "Tests/container/verify_image.sh"],
                                   environment: ["ROOTFS_CACHE": cache.path], timeout: 120)

        XCTAssertEqual(result.status, Self.skipStatus, result.output)
        let skips = result.output.split(separator: "\n").filter { $0.hasPrefix("SKIP ") }
        XCTAssertEqual(skips.count, 1, result.output)
        XCTAssertTrue(skips.first?.contains("verify_image.sh --provision-only") == true, result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path), "the check created \(cache.path)")
        XCTAssertFalse(result.output.contains("swift build"), "the check built before finding the root filesystem missing")
    }
}
