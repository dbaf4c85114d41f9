import BalanceTestSupport
import XCTest

/// Idle memory is mostly the pages of the libraries a process loads: full
/// Foundation (with ICU's data) and FoundationNetworking (libcurl and its
/// dozen dependencies) cost about 23 MB of it. The exporter links no
/// Foundation at all (its JSON is its own), and the system OpenSSL; this
/// keeps it that way.
final class LinkedLibrariesTests: XCTestCase {
    func testTheExporterLoadsNoFoundationAndNoLibcurl() throws {
        try requireTools(executables: ["ldd"])
        let result = try runScript(["ldd", exporterBinary().path], timeout: 60)
        XCTAssertEqual(result.status, 0, result.output)
        let libraries = result.output.split(separator: "\n").compactMap { line in
            line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        }
        // `swift build` links the Swift libraries dynamically: the ones in use are listed.
        XCTAssertTrue(libraries.contains { $0.hasPrefix("libssl.so") }, result.output)
        for unwanted in ["libFoundation.so", "libFoundationEssentials.so", "libFoundationNetworking.so", "libFoundationInternationalization.so",
                         "lib_FoundationICU.so", "libcurl.so"] {
            XCTAssertFalse(libraries.contains { $0.hasPrefix(unwanted) }, "\(unwanted) is linked:\n\(result.output)")
        }
    }
}
