import Config
import MetricModel

/// A set of targets found by one discovery source: each target is a label set with at least
/// `__address__` (plus the mechanism's `__meta_*` labels); `labels` apply to all of them, a
/// target's own label winning over the group's.
///
/// Contract: `source` identifies the group within its provider (e.g. a file path and index, a DNS
/// name); a provider's update replaces all groups it sent before.
public struct TargetGroup: Sendable, Equatable {
    public var source: String
    public var targets: [Labels]
    public var labels: Labels

    public init(source: String, targets: [Labels], labels: Labels = .empty) {
        self.source = source
        self.targets = targets
        self.labels = labels
    }

    /// A `static_configs` entry as a group.
    static func fromStatic(_ config: StaticConfig, source: String) -> TargetGroup {
        TargetGroup(source: source, targets: config.targets.map { Labels([Label("__address__", $0)]) }, labels: config.labels)
    }
}
