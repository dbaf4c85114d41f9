/// The in-memory model of an exposition: what the writers render and what
/// the providers and the engine produce. Pure values, no I/O.

package enum MetricType: String, Sendable {
    case gauge
    case counter
    /// An `_info` family: value 1, metadata in labels. Rendered as `gauge` in
    /// text format 0.0.4 and as `info` in OpenMetrics.
    case info
}

/// A metric family's identity: its name, type and HELP text.
/// Every descriptor of the project lives in `Metrics/Catalog.swift`.
package struct MetricDescriptor: Sendable, Hashable {
    /// The full name as written in text format 0.0.4, including `_total`
    /// for counters and `_info` for info families.
    package let name: String
    package let type: MetricType
    package let help: String

    package init(name: String, type: MetricType, help: String) {
        self.name = name
        self.type = type
        self.help = help
    }
}

package struct Label: Sendable, Hashable {
    package let name: String
    package let value: String
    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

package struct Sample: Sendable, Hashable {
    /// Labels in the order they are written; the writer sorts series by them.
    package var labels: [Label]
    package var value: Double
    package init(labels: [Label], value: Double) {
        self.labels = labels
        self.value = value
    }
}

package struct MetricFamily: Sendable, Hashable {
    package var descriptor: MetricDescriptor
    package var samples: [Sample]
    package init(_ descriptor: MetricDescriptor, samples: [Sample]) {
        self.descriptor = descriptor
        self.samples = samples
    }
}
