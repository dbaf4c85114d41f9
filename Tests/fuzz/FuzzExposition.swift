/// Both writers over families built from the input. Names are drawn from
/// the metric-name alphabet (the writers take names from the Catalog, never
/// from outside); HELP texts, label values and sample values are arbitrary.
///
/// Checked: the output is UTF-8; it has exactly one line per HELP, TYPE and
/// series (so no label value or HELP text can break a line); OpenMetrics
/// ends with exactly one `# EOF`; and every value is written in a form that
/// parses back to the same number.
@testable import BalanceCore

func fuzzExposition(_ bytes: [UInt8]) -> CInt {
    var input = FuzzInput(bytes)
    var families: [MetricFamily] = []
    while !input.isEmpty && families.count < 16 {
        let kind = input.byte()
        let name = metricName(input.field(separator: 0xFF), fallback: kind)
        let type: MetricType = [.gauge, .counter, .info][Int(kind % 3)]
        let help = String(decoding: input.field(separator: 0xFF), as: UTF8.self)
        var samples: [Sample] = []
        for _ in 0..<Int(kind >> 4) {
            guard !input.isEmpty else { break }
            let labelCount = Int(input.byte() % 4)
            var labels: [Label] = []
            for _ in 0..<labelCount {
                let labelName = ["provider", "uin", "name", "credit", "reason", "le"][Int(input.byte() % 6)]
                labels.append(Label(labelName, String(decoding: input.field(separator: 0xFF), as: UTF8.self)))
            }
            samples.append(Sample(labels: labels, value: input.double()))
        }
        families.append(MetricFamily(MetricDescriptor(name: name, type: type, help: help), samples: samples))
    }
    let prepared = ExpositionOrder.prepare(families)
    let expectedLines = prepared.reduce(0) { $0 + ($1.descriptor.help.isEmpty ? 0 : 1) + 1 + $1.samples.count }

    let text = TextFormatWriter.render(families)
    checkExposition(text, lines: expectedLines, prepared: prepared, openMetrics: false)
    let om = OpenMetricsWriter.render(families)
    checkExposition(om, lines: expectedLines + 1, prepared: prepared, openMetrics: true)
    return 0
}

private func metricName(_ raw: [UInt8], fallback: UInt8) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz_:0123456789".utf8)
    var name = raw.prefix(40).map { alphabet[Int($0) % alphabet.count] }
    if name.first.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) ?? true {
        name.insert(alphabet[Int(fallback) % 26], at: 0)
    }
    return String(decoding: name, as: UTF8.self)
}

private func checkExposition(_ output: [UInt8], lines: Int, prepared: [MetricFamily], openMetrics: Bool) {
    fuzzRequire(String(validating: output, as: UTF8.self) != nil, "output is not UTF-8")
    let newlines = output.count(where: { $0 == 0x0A })
    fuzzRequire(newlines == lines, "\(newlines) lines, expected \(lines)")
    fuzzRequire(output.isEmpty || output.last == 0x0A, "last line not terminated")
    // Split on LF bytes, not Characters: "\r\n" is one Character in Swift.
    let split = output.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        .map { String(decoding: $0, as: UTF8.self) }
    if openMetrics {
        fuzzRequire(split.last == "# EOF" && split.filter({ $0 == "# EOF" }).count == 1, "# EOF not last or repeated")
    }
    // Sample lines, in order, carry the prepared samples' values.
    let values = prepared.flatMap { $0.samples.map(\.value) }
    let sampleLines = split.filter { !$0.hasPrefix("#") }
    fuzzRequire(sampleLines.count == values.count, "\(sampleLines.count) sample lines for \(values.count) samples")
    for (line, value) in zip(sampleLines, values) {
        guard let space = line.lastIndex(of: " ") else {
            fuzzRequire(false, "sample line without a value: \(line)")
            return
        }
        let written = line[line.index(after: space)...]
        switch written {
        case "NaN": fuzzRequire(value.isNaN, "NaN written for \(value)")
        case "+Inf": fuzzRequire(value == .infinity, "+Inf written for \(value)")
        case "-Inf": fuzzRequire(value == -.infinity, "-Inf written for \(value)")
        default:
            fuzzRequire(Double(written) == value, "\(written) written for \(value)")
            fuzzRequire(!written.contains("inf") && !written.contains("nan"), "Swift spelling \(written)")
        }
    }
}
