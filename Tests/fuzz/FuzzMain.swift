// libFuzzer entry point for every balance_exporter fuzz target.
//
// Not part of the SwiftPM package: `run.sh` compiles the library modules the
// targets test (each on its own, with -enable-testing so `@testable import`
// reaches internal decoders) and these files into one binary with
// `-sanitize=fuzzer,address`; FUZZ_TARGET picks the target at run time.

import Glibc

/// The fuzz targets. Each takes the input bytes and returns 0 to keep an
/// interesting input or -1 to tell libFuzzer not to add it to the corpus;
/// a broken invariant calls `fuzzRequire`, which aborts so libFuzzer saves
/// the input.
enum FuzzTarget: String, CaseIterable {
    case http_request, http_response, accept, accept_encoding, json, config, duration
    case tencent_balance, yeastar_token, yeastar_balance, exposition
    case alibaba_balance, alibaba_credentials
    case huawei_balance, huawei_credentials
    case volcengine_balance, volcengine_sts
    case yaml, web_config, basic_auth

    func run(_ bytes: [UInt8]) -> CInt {
        switch self {
        case .http_request: return fuzzHTTPRequest(bytes)
        case .http_response: return fuzzHTTPResponse(bytes)
        case .accept: return fuzzAccept(bytes)
        case .accept_encoding: return fuzzAcceptEncoding(bytes)
        case .json: return fuzzJSON(bytes)
        case .config: return fuzzConfig(bytes)
        case .duration: return fuzzDuration(bytes)
        case .tencent_balance: return fuzzTencentBalance(bytes)
        case .yeastar_token: return fuzzYeastarToken(bytes)
        case .yeastar_balance: return fuzzYeastarBalance(bytes)
        case .exposition: return fuzzExposition(bytes)
        case .alibaba_balance: return fuzzAlibabaBalance(bytes)
        case .alibaba_credentials: return fuzzAlibabaCredentials(bytes)
        case .huawei_balance: return fuzzHuaweiBalance(bytes)
        case .huawei_credentials: return fuzzHuaweiCredentials(bytes)
        case .volcengine_balance: return fuzzVolcengineBalance(bytes)
        case .volcengine_sts: return fuzzVolcengineSTS(bytes)
        case .yaml: return fuzzYAML(bytes)
        case .web_config: return fuzzWebConfig(bytes)
        case .basic_auth: return fuzzBasicAuth(bytes)
        }
    }

    /// Chosen from FUZZ_TARGET; `fuzzInitialize` has checked it by then.
    static let selected: FuzzTarget = {
        FuzzTarget(rawValue: getenv("FUZZ_TARGET").map { String(cString: $0) } ?? "") ?? .http_request
    }()
}

/// Runs once before any input: an unknown FUZZ_TARGET is a usage error,
/// reported (with the list of targets, which run.sh reads) before libFuzzer
/// starts, so no crash artifact is written for it.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard FuzzTarget(rawValue: name) == nil else { return 0 }
    printError("set FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))")
    _exit(2)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    return FuzzTarget.selected.run(bytes)
}

/// Aborts (a libFuzzer "crash", input saved) when an invariant fails.
func fuzzRequire(_ condition: Bool, _ message: @autoclosure () -> String,
                 file: StaticString = #fileID, line: UInt = #line) {
    guard !condition else { return }
    printError("fuzz invariant failed at \(file):\(line): \(message())")
    abort()
}

/// To standard error, unbuffered (the process is about to exit or abort).
func printError(_ text: String) {
    let line = Array((text + "\n").utf8)
    line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}

/// Reads structured choices off the front of a fuzz input.
struct FuzzInput {
    private(set) var rest: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) { rest = bytes[...] }

    var isEmpty: Bool { rest.isEmpty }

    mutating func byte() -> UInt8 { rest.popFirst() ?? 0 }

    /// Bytes up to (not including) the next `separator`, which is consumed;
    /// everything left when there is none.
    mutating func field(separator: UInt8 = 0) -> [UInt8] {
        guard let end = rest.firstIndex(of: separator) else {
            defer { rest = rest[rest.endIndex...] }
            return Array(rest)
        }
        defer { rest = rest[(end + 1)...] }
        return Array(rest[..<end])
    }

    mutating func remaining() -> [UInt8] {
        defer { rest = rest[rest.endIndex...] }
        return Array(rest)
    }

    /// A Double from the next 8 bytes' bit pattern (NaN, ±Inf, subnormals included).
    mutating func double() -> Double {
        var bits: UInt64 = 0
        for _ in 0..<8 { bits = bits << 8 | UInt64(byte()) }
        return Double(bitPattern: bits)
    }
}
