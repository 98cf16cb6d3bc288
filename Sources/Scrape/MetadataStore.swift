import MetricModel
import Synchronization

/// What each scrape target last said about its metric families (`# TYPE`, `# HELP`, `# UNIT`),
/// for `/api/v1/metadata` and `/api/v1/targets/metadata`.
///
/// Contract: thread-safe; keyed by the target's labels (as `/api/v1/targets` shows them);
/// `replace` swaps a target's whole set, `remove`/`retain` drop targets that went away.
/// `snapshot` is ordered by target labels, then family name. Empty until someone fills it.
public final class MetadataStore: Sendable {
    /// One target's families.
    public struct TargetMetadata: Sendable, Equatable {
        public var target: Labels
        /// Family name → metadata, sorted by name.
        public var families: [(name: String, metadata: MetricMetadata)]

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.target == rhs.target && lhs.families.elementsEqual(rhs.families) { $0.name == $1.name && $0.metadata == $1.metadata }
        }
    }

    private let byTarget = Mutex<[Labels: [String: MetricMetadata]]>([:])

    public init() {}

    /// Sets everything known about `target`'s families (an empty map keeps the target, with none).
    public func replace(target: Labels, families: [String: MetricMetadata]) {
        byTarget.withLock { $0[target] = families }
    }

    /// Records one family of one target.
    public func set(target: Labels, family: String, _ metadata: MetricMetadata) {
        byTarget.withLock { $0[target, default: [:]][family] = metadata }
    }

    public func remove(target: Labels) {
        _ = byTarget.withLock { $0.removeValue(forKey: target) }
    }

    /// Drops every target not in `targets`.
    public func retain(targets: Set<Labels>) {
        byTarget.withLock { map in map = map.filter { targets.contains($0.key) } }
    }

    public func snapshot() -> [TargetMetadata] {
        let copy = byTarget.withLock { $0 }
        return copy.keys.sorted().map { target in
            let families = copy[target]!.sorted { $0.key < $1.key }.map { (name: $0.key, metadata: $0.value) }
            return TargetMetadata(target: target, families: families)
        }
    }
}
