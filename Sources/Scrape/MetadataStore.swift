import MetricModel
import Synchronization

/// What each scrape target last said about its metric families (`# TYPE`, `# HELP`, `# UNIT`),
/// for `/api/v1/metadata` and `/api/v1/targets/metadata`.
///
/// Contract: thread-safe. Each entry belongs to an owner key (a scrape loop uses its
/// `ScrapeTarget.key`, so two loops with equal target labels — e.g. the old and the new loop
/// across a config reload — never clobber each other) and carries the target's labels (as
/// `/api/v1/targets` shows them). The label-keyed methods use the labels' text as the owner key.
/// `replace` swaps an owner's whole set, `remove`/`retain` drop owners that went away.
/// `snapshot` is ordered by target labels, then owner key, then family name.
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

    private struct Entry {
        var target: Labels
        var families: [String: MetricMetadata]
    }

    private let byOwner = Mutex<[String: Entry]>([:])

    public init() {}

    /// Sets everything known about the families of the target owned by `key`.
    public func replace(key: String, target: Labels, families: [String: MetricMetadata]) {
        byOwner.withLock { $0[key] = Entry(target: target, families: families) }
    }

    /// Drops the target owned by `key`.
    public func remove(key: String) {
        _ = byOwner.withLock { $0.removeValue(forKey: key) }
    }

    /// Sets everything known about `target`'s families (an empty map keeps the target, with none).
    public func replace(target: Labels, families: [String: MetricMetadata]) {
        replace(key: target.description, target: target, families: families)
    }

    /// Records one family of one target.
    public func set(target: Labels, family: String, _ metadata: MetricMetadata) {
        byOwner.withLock { $0[target.description, default: Entry(target: target, families: [:])].families[family] = metadata }
    }

    /// Drops every entry of `target`, whoever owns it.
    public func remove(target: Labels) {
        byOwner.withLock { map in map = map.filter { $0.value.target != target } }
    }

    /// Drops every target not in `targets`.
    public func retain(targets: Set<Labels>) {
        byOwner.withLock { map in map = map.filter { targets.contains($0.value.target) } }
    }

    /// How many targets have an entry.
    public var count: Int { byOwner.withLock { $0.count } }

    public func snapshot() -> [TargetMetadata] {
        let copy = byOwner.withLock { $0 }
        let keys = copy.keys.sorted { a, b in
            let (x, y) = (copy[a]!.target, copy[b]!.target)
            return x == y ? a < b : x < y
        }
        return keys.map { key in
            let entry = copy[key]!
            let families = entry.families.sorted { $0.key < $1.key }.map { (name: $0.key, metadata: $0.value) }
            return TargetMetadata(target: entry.target, families: families)
        }
    }
}
