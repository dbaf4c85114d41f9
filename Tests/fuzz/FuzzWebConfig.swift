/// `YAMLDocument.parse`, the reader of web configurations (and, later, of
/// YAML configuration files). Beyond not crashing: an error's line and
/// column lie within the input and its message is short; a tree is at most
/// `maxDepth` deep, every node's position lies within the input, and its
/// `jsonValue` is written as JSON that decodes back to an equal value.
@testable import BalanceHTTP
@testable import BalanceSupport

func fuzzYAML(_ bytes: [UInt8]) -> CInt {
    let root: YAMLNode
    do {
        root = try YAMLDocument.parse(bytes)
    } catch {
        checkPosition(error.line, error.column, in: bytes, "error")
        fuzzRequire(!error.message.isEmpty && error.message.utf8.count < 300, "message \(error.message)")
        return 0
    }
    fuzzRequire(yamlDepth(root, in: bytes) <= YAMLDocument.maxDepth, "nested deeper than the limit")
    let json = root.jsonValue
    guard let again = JSONValue.parse(Array(json.text.utf8)) else {
        fuzzRequire(false, "jsonValue is not JSON: \(json.text)")
        return 0
    }
    fuzzRequire(again == json, "jsonValue does not read back: \(json.text)")
    return 0
}

/// Collections around the deepest node, checking every node's position on the way.
private func yamlDepth(_ node: YAMLNode, in bytes: [UInt8]) -> Int {
    checkPosition(node.line, node.column, in: bytes, "node")
    switch node.content {
    case .scalar: return 0
    case .sequence(let nodes): return 1 + (nodes.map { yamlDepth($0, in: bytes) }.max() ?? 0)
    case .mapping(let members):
        var keys = Set<String>()
        for member in members { fuzzRequire(keys.insert(member.key.text).inserted, "duplicate key \(member.key.text) accepted") }
        return 1 + (members.map { yamlDepth($0.value, in: bytes) }.max() ?? 0)
    }
}

/// A 1-based line and column within `bytes` (CR, CRLF and LF all end a line;
/// a column may be one past the line's end).
private func checkPosition(_ line: Int, _ column: Int, in bytes: [UInt8], _ what: String) {
    var lines = [0]
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") {
            if bytes[index] == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
            lines.append(0)
        } else if bytes[index] & 0xC0 != 0x80 {
            lines[lines.count - 1] += 1
        }
        index += 1
    }
    fuzzRequire(line >= 1 && line <= lines.count, "\(what) line \(line) of \(lines.count)")
    fuzzRequire(column >= 1 && column <= lines[line - 1] + 1, "\(what) column \(column) of a line of \(lines[line - 1])")
}

/// `WebConfig.parse`: a configuration that loads has absolute file paths
/// (joined to the directory given), header values a response can carry,
/// versions in order, and warnings that name where; an error is a YAML
/// error like the reader's.
func fuzzWebConfig(_ bytes: [UInt8]) -> CInt {
    let config: WebConfig
    do {
        config = try WebConfig.parse(bytes, directory: "/etc/fuzz")
    } catch {
        fuzzRequire(!error.message.isEmpty && error.line >= 1 && error.column >= 1, "error \(error)")
        return 0
    }
    for file in config.files { fuzzRequire(file.hasPrefix("/"), "a relative path left: \(file)") }
    for header in config.headers {
        fuzzRequire(!header.value.isEmpty && header.value.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) },
                    "header \(header.name) with value \(header.value)")
    }
    if let tls = config.tls {
        fuzzRequire(tls.minVersion <= tls.maxVersion, "min_version above max_version")
        fuzzRequire(tls.clientAllowedSANs.isEmpty || tls.clientAuth.requiresCertificate, "SANs without required certificates")
        fuzzRequire(tls.clientCA == nil || tls.clientAuth.requestsCertificate, "a client CA without client auth")
    }
    for warning in config.warnings { fuzzRequire(warning.hasPrefix("line "), "warning \(warning)") }
    return 0
}

/// `BasicCredentials(authorization:)`: what it reads, written back as a
/// header, reads back the same; the password never reaches a description.
func fuzzBasicAuth(_ bytes: [UInt8]) -> CInt {
    let header = String(decoding: bytes, as: UTF8.self)
    guard let credentials = BasicCredentials(authorization: header) else { return 0 }
    fuzzRequire(!credentials.user.contains(":"), "a user name with a colon: \(credentials.user)")
    fuzzRequire(BasicCredentials(authorization: credentials.headerValue) == credentials, "header does not read back")
    if let token = header.split(separator: " ").last, let decoded = Base64.decode(token) {
        fuzzRequire(Base64.decode(Base64.encode(decoded)) == decoded, "base64 does not round-trip")
    }
    return 0
}
