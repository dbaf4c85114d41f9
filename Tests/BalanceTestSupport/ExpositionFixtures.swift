import BalanceCore

/// Families and exposition texts shared by the writers' golden tests and the promtool checks.
package enum ExpositionFixtures {
    package static func gauge(_ name: String, help: String = "A gauge.", _ samples: [Sample]) -> MetricFamily {
        MetricFamily(MetricDescriptor(name: name, type: .gauge, help: help), samples: samples)
    }

    package static func sample(_ value: Double, _ labels: (String, String)...) -> Sample {
        Sample(labels: labels.map { Label($0.0, $0.1) }, value: value)
    }

    /// Decodes a body, failing (nil) on invalid UTF-8 rather than repairing it.
    package static func utf8(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }
}
