import MetricModel
import Synchronization

/// A head series' label set as symbol ids: name, value, name, value, … in the order of its
/// `Labels` (sorted by name), each id as an unsigned LEB128 varint. Ids are small (a head has
/// far fewer distinct label strings than series), so most take one or two bytes: a seven-pair
/// set is one 64-byte allocation instead of 96 with 32-bit ids. The encoding of a list of ids is
/// unique, so equal bytes mean equal ids, and equal ids from one `SymbolTable` equal label sets.
struct SeriesLabels: Hashable, Sendable {
    private var bytes: [UInt8]

    init(ids: [UInt32]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 2)
        for id in ids { bytes.appendUvarint(UInt64(id)) }
        self.bytes = bytes
    }

    /// The ids in order.
    var ids: [UInt32] {
        var out: [UInt32] = []
        var reader = makeReader()
        while let id = reader.next() { out.append(id) }
        return out
    }

    func makeReader() -> Reader { Reader(bytes: bytes) }

    /// Number of ids: every varint ends with the one byte below 0x80.
    var idCount: Int {
        var count = 0
        for byte in bytes where byte < 0x80 { count += 1 }
        return count
    }

    /// Reads the ids one at a time.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func next() -> UInt32? {
            guard offset < bytes.count else { return nil }
            var id: UInt32 = 0
            var shift: UInt32 = 0
            while true {
                let byte = bytes[offset]
                offset += 1
                id |= UInt32(byte & 0x7F) << shift
                if byte < 0x80 { return id }
                shift += 7
            }
        }
    }
}

/// The label strings of the head's series, each held once and named by a 32-bit id, so a series
/// keeps two to four bytes per label pair instead of two `String` values (32 bytes) — most of what an
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
/// - `pin()` defers the forgetting of strings while a reader holds ids it has not resolved yet.
/// - Safe from any thread: one lock, held for the length of one call.
final class SymbolTable: Sendable {
    private struct State {
        var strings: [String] = []
        var ids: [String: UInt32] = [:]
        var uses: [UInt32] = []
        var free: [UInt32] = []
        /// Readers holding ids they have not yet turned into strings (`SymbolPin`s alive).
        var pins = 0
        /// Ids whose last use went while pinned: still spelled and looked up, not yet free.
        var deferred: [UInt32] = []

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
            if pins > 0 {
                deferred.append(id)
            } else {
                forget(id)
            }
        }

        mutating func forget(_ id: UInt32) {
            let slot = Int(id)
            ids[strings[slot]] = nil
            strings[slot] = ""
            free.append(id)
        }

        mutating func unpin() {
            pins -= 1
            guard pins == 0 else { return }
            // An id may be listed twice (used again, then released again) or be in use again.
            for id in deferred where uses[Int(id)] == 0 && ids[strings[Int(id)]] == id { forget(id) }
            deferred = []
        }
    }

    private let state = Mutex(State())

    init() {}

    /// Keeps every id valid, with its string, for as long as the returned pin lives: a reader that
    /// found series under the index lock can rebuild their labels later, even if the series are
    /// dropped meanwhile. Ids released while pinned are freed when the last pin goes.
    func pin() -> SymbolPin {
        state.withLock { $0.pins += 1 }
        return SymbolPin(self)
    }

    fileprivate func unpin() {
        state.withLock { $0.unpin() }
    }

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
            var reader = labels.makeReader()
            while let id = reader.next() { state.release(id) }
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
        state.withLock { state in
            var reader = ids.makeReader()
            for label in labels {
                guard let name = reader.next(), let value = reader.next(),
                      state.strings[Int(name)] == label.name, state.strings[Int(value)] == label.value else { return false }
            }
            return reader.next() == nil
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
        var left = a.makeReader(), right = b.makeReader()
        while true {
            switch (left.next(), right.next()) {
            case let (x?, y?): if x != y { return strings[Int(x)] < strings[Int(y)] }
            case (nil, .some): return true
            case (_, nil): return false
            }
        }
    }

    /// Number of distinct strings held.
    var count: Int { state.withLock { $0.ids.count } }

    private static func decode(_ labels: SeriesLabels, _ strings: [String]) -> Labels {
        var pairs: [Label] = []
        pairs.reserveCapacity(labels.idCount / 2)
        var reader = labels.makeReader()
        while let name = reader.next(), let value = reader.next() {
            pairs.append(Label(strings[Int(name)], strings[Int(value)]))
        }
        return Labels(sortedUnique: pairs)
    }
}

/// A reader's hold on a `SymbolTable` (see `SymbolTable.pin()`); released when it is freed.
final class SymbolPin: Sendable {
    private let table: SymbolTable

    fileprivate init(_ table: SymbolTable) { self.table = table }

    deinit { table.unpin() }
}
