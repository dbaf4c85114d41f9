extension StringProtocol {
    /// Without leading and trailing whitespace and newlines (Unicode's
    /// definition, as Foundation's `.whitespacesAndNewlines`), which only
    /// full Foundation provides as `trimmingCharacters(in:)`.
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
