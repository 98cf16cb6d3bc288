/// The kind of a metric family, as declared by `# TYPE`.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    case counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown
    /// The text format's `untyped` is Prometheus's `unknown`.
    public init?(exposition word: String) {
        if word == "untyped" { self = .unknown } else { self.init(rawValue: word) }
    }
}

/// What a target said about a metric family: `# HELP`, `# TYPE`, `# UNIT`.
public struct MetricMetadata: Hashable, Sendable {
    public var type: MetricType
    public var help: String
    public var unit: String

    public init(type: MetricType = .unknown, help: String = "", unit: String = "") {
        self.type = type
        self.help = help
        self.unit = unit
    }
}
