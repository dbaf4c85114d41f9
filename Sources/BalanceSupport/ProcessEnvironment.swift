import Glibc

/// The process's environment, read from `environ`.
package enum ProcessEnvironment {
    /// Every `NAME=value` entry; for a name given twice, the first (as `getenv`).
    package static func current() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "="), variables[String(text[..<equals])] == nil {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }
}
