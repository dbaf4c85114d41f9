import Foundation
import XCTest

/// The Dockerfile, verified without a container engine
/// (Tests/container/verify_image.sh): the release build with the
/// Dockerfile's flags runs in a debootstrapped bookworm root filesystem
/// holding only the Dockerfile's runtime packages, as its non-root user.
final class ContainerImageTests: XCTestCase {
    func testTheImageRunsTheDemoAsItsNonRootUser() throws {
        guard getuid() == 0 else {
            let message = "verify_image.sh needs root (debootstrap, chroot, namespaces)"
            if ProcessInfo.processInfo.environment["CI"] == "true" { return XCTFail(message) }
            throw XCTSkip(message)
        }
        let result = try runScript(["bash", "Tests/container/verify_image.sh"], timeout: 2400)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains(", 0 failed"), result.output)
    }
}
