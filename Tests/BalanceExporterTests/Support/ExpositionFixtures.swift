@testable import BalanceExporter

/// Small factories for exposition tests.
enum ExpositionFixtures {
    static func gauge(_ name: String, help: String = "A gauge.", _ samples: [Sample]) -> MetricFamily {
        MetricFamily(MetricDescriptor(name: name, type: .gauge, help: help), samples: samples)
    }

    static func sample(_ value: Double, _ labels: (String, String)...) -> Sample {
        Sample(labels: labels.map { Label($0.0, $0.1) }, value: value)
    }

    /// Decodes a body, failing (nil) on invalid UTF-8 rather than repairing it.
    static func utf8(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }
}
