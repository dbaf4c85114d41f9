/// The in-memory model of an exposition: what the writers render and what
/// the providers and the engine produce. Pure values, no I/O.

public enum MetricType: String, Sendable {
    case gauge
    case counter
    /// An `_info` family: value 1, metadata in labels. Rendered as `gauge` in
    /// text format 0.0.4 and as `info` in OpenMetrics.
    case info
}

/// A metric family's identity: its name, type and HELP text.
/// Every descriptor of the project lives in `Metrics/Catalog.swift`.
public struct MetricDescriptor: Sendable, Hashable {
    /// The full name as written in text format 0.0.4, including `_total`
    /// for counters and `_info` for info families.
    public let name: String
    public let type: MetricType
    public let help: String

    public init(name: String, type: MetricType, help: String) {
        self.name = name
        self.type = type
        self.help = help
    }
}

public struct Label: Sendable, Hashable {
    public let name: String
    public let value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

public struct Sample: Sendable, Hashable {
    /// Labels in the order they are written; the writer sorts series by them.
    public var labels: [Label]
    public var value: Double
    public init(labels: [Label], value: Double) {
        self.labels = labels
        self.value = value
    }
}

public struct MetricFamily: Sendable, Hashable {
    public var descriptor: MetricDescriptor
    public var samples: [Sample]
    public init(_ descriptor: MetricDescriptor, samples: [Sample]) {
        self.descriptor = descriptor
        self.samples = samples
    }
}
