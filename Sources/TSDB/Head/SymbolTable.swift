import MetricModel
import Synchronization

/// A head series' label set as symbol ids: name, value, name, value, … in the order of its
/// `Labels` (sorted by name). Equal ids from one `SymbolTable` mean equal label sets.
struct SeriesLabels: Hashable, Sendable {
    let ids: [UInt32]

    var pairCount: Int { ids.count / 2 }
}

/// The label strings of the head's series, each held once and named by a 32-bit id, so a series
/// keeps 8 bytes per label pair instead of two `String` values (32 bytes) — most of what an
/// active series costs beyond its open chunk.
///
/// Contract:
/// - `retain(_:)` returns the ids of a label set, entering new strings, and counts one use of
///   each string; `release(_:)` takes those uses back. A string without uses is forgotten and its
///   id may be handed out again for another string, so ids stay valid exactly as long as the
///   label set holding them is retained.
/// - `find(_:)` returns the ids of a label set whose strings are all known, without counting a
///   use: a lookup key, nil when some string is unknown (no series can have those labels).
/// - `labels(_:)` rebuilds the `Labels`; every series built from one string shares its storage.
/// - Safe from any thread: one lock, held for the length of one call.
final class SymbolTable: Sendable {
    private struct State {
        var strings: [String] = []
        var ids: [String: UInt32] = [:]
        var uses: [UInt32] = []
        var free: [UInt32] = []

        mutating func retain(_ string: String) -> UInt32 {
            if let id = ids[string] {
                uses[Int(id)] += 1
                return id
            }
            let id: UInt32
            if let reused = free.popLast() {
                id = reused
                strings[Int(id)] = string
                uses[Int(id)] = 1
            } else {
                precondition(strings.count < Int(UInt32.max), "more than 2^32 distinct label strings")
                id = UInt32(strings.count)
                strings.append(string)
                uses.append(1)
            }
            ids[string] = id
            return id
        }

        mutating func release(_ id: UInt32) {
            let slot = Int(id)
            uses[slot] -= 1
            guard uses[slot] == 0 else { return }
            ids[strings[slot]] = nil
            strings[slot] = ""
            free.append(id)
        }
    }

    private let state = Mutex(State())

    init() {}

    func retain(_ labels: Labels) -> SeriesLabels {
        state.withLock { state in
            var ids: [UInt32] = []
            ids.reserveCapacity(labels.count * 2)
            for label in labels {
                ids.append(state.retain(label.name))
                ids.append(state.retain(label.value))
            }
            return SeriesLabels(ids: ids)
        }
    }

    func release(_ labels: SeriesLabels) {
        state.withLock { state in
            for id in labels.ids { state.release(id) }
        }
    }

    func find(_ labels: Labels) -> SeriesLabels? {
        state.withLock { state in
            var ids: [UInt32] = []
            ids.reserveCapacity(labels.count * 2)
            for label in labels {
                guard let name = state.ids[label.name], let value = state.ids[label.value] else { return nil }
                ids.append(name)
                ids.append(value)
            }
            return SeriesLabels(ids: ids)
        }
    }

    /// Whether `ids` spell exactly `labels`.
    func matches(_ ids: SeriesLabels, _ labels: Labels) -> Bool {
        guard ids.ids.count == labels.count * 2 else { return false }
        return state.withLock { state in
            for (index, label) in labels.enumerated() {
                guard state.strings[Int(ids.ids[2 * index])] == label.name,
                      state.strings[Int(ids.ids[2 * index + 1])] == label.value else { return false }
            }
            return true
        }
    }

    func labels(_ labels: SeriesLabels) -> Labels {
        state.withLock { state in Self.decode(labels, state.strings) }
    }

    /// The label sets of many series under one lock, in order.
    func labels(_ many: some Collection<SeriesLabels>) -> [Labels] {
        state.withLock { state in many.map { Self.decode($0, state.strings) } }
    }

    /// `items` in the order of their label sets (Prometheus's `labels.Compare`), compared through
    /// the strings under one lock, without rebuilding any label set.
    func sorted<T: Sendable>(_ items: [T], by key: (T) -> SeriesLabels) -> [T] {
        state.withLock { state in
            let strings = state.strings
            return items.sorted { Self.less(key($0), key($1), strings) }
        }
    }

    /// Whether `a` orders before `b`: ids alternate name and value in label order, so the first
    /// differing id decides by its string, and a set that is a prefix of the other comes first.
    private static func less(_ a: SeriesLabels, _ b: SeriesLabels, _ strings: [String]) -> Bool {
        let count = Swift.min(a.ids.count, b.ids.count)
        var index = 0
        while index < count {
            let x = a.ids[index], y = b.ids[index]
            if x != y { return strings[Int(x)] < strings[Int(y)] }
            index += 1
        }
        return a.ids.count < b.ids.count
    }

    /// Number of distinct strings held.
    var count: Int { state.withLock { $0.ids.count } }

    private static func decode(_ labels: SeriesLabels, _ strings: [String]) -> Labels {
        var pairs: [Label] = []
        pairs.reserveCapacity(labels.pairCount)
        var index = 0
        while index + 1 < labels.ids.count {
            pairs.append(Label(strings[Int(labels.ids[index])], strings[Int(labels.ids[index + 1])]))
            index += 2
        }
        return Labels(sortedUnique: pairs)
    }
}
