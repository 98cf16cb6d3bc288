import MetricModel
import Storage
import Testing
@testable import TSDB

/// Series hold their labels as ids of the head's symbol table: one copy of each string for all
/// series, strings forgotten with the last series using them, and the label order of sorted
/// selections unchanged.
@Suite struct SymbolTableTests {
    static func sameStorage(_ a: String, _ b: String) -> Bool {
        withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.elementsEqual(y) } }
    }

    /// A copy with storage of its own, as a freshly parsed string would have.
    static func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }

    static func labels(_ name: String, _ series: Int) -> Labels {
        Labels(["__name__": fresh(name), "endpoint": fresh("/api/v1/completions/0"), "series": "\(series)"])
    }

    @Test func retainReleaseAndReuse() {
        let table = SymbolTable()
        let a = table.retain(Labels(["__name__": "up", "job": "a"]))
        let b = table.retain(Labels(["__name__": "up", "job": "b"]))
        #expect(table.count == 5)
        #expect(a.ids[0] == b.ids[0] && a.ids[1] == b.ids[1] && a.ids[2] == b.ids[2])
        #expect(table.labels(a) == Labels(["__name__": "up", "job": "a"]))
        #expect(table.find(Labels(["__name__": "up", "job": "b"])) == b)
        #expect(table.find(Labels(["__name__": "up", "job": "c"])) == nil)
        table.release(a)
        #expect(table.count == 4)
        #expect(table.find(Labels(["__name__": "up", "job": "a"])) == nil)
        // The freed id goes to the next new string; the other set is untouched.
        let c = table.retain(Labels(["__name__": "down"]))
        #expect(c.ids.contains(a.ids[3]))
        #expect(table.labels(b) == Labels(["__name__": "up", "job": "b"]))
        #expect(table.labels(c) == Labels(["__name__": "down"]))
        table.release(b)
        table.release(c)
        #expect(table.count == 0)
    }

    @Test func sortingByIdsIsLabelOrder() {
        var generator = SystemRandomNumberGenerator()
        let names = ["__name__", "a", "b", "job", "le", "zone"]
        let values = ["", "0", "1", "10", "2", "x", "y", "é", "e\u{301}", "Z"]
        let table = SymbolTable()
        var sets: [Labels] = []
        for _ in 0..<400 {
            var pairs: [Label] = []
            for name in names where Bool.random(using: &generator) {
                pairs.append(Label(name, values.randomElement(using: &generator)!))
            }
            sets.append(Labels(pairs))
        }
        let ids = sets.map { table.retain($0) }
        let byIds = table.sorted(Array(ids.indices)) { ids[$0] }.map { sets[$0] }
        #expect(byIds == sets.sorted())
    }

    @Test func seriesShareLabelStrings() throws {
        let head = Head()
        let app = head.appender()
        let one = try app.append(0, Self.labels("http_requests_total", 1), 1000, 1)
        let two = try app.append(0, Self.labels("http_requests_total", 2), 1000, 1)
        try app.commit()
        let labels = head.labels(of: head.series(for: [one, two]))
        #expect(labels == [Self.labels("http_requests_total", 1), Self.labels("http_requests_total", 2)])
        #expect(Self.sameStorage(labels[0]["__name__"]!, labels[1]["__name__"]!))
        #expect(Self.sameStorage(labels[0]["endpoint"]!, labels[1]["endpoint"]!))
        // __name__, endpoint, series and their values, one each: 3 names + 4 values.
        #expect(head.symbols.count == 7)
    }

    @Test func truncationForgetsRemovedSeriesStrings() throws {
        let head = Head()
        let app = head.appender()
        try app.append(0, Self.labels("old_metric", 1), 1000, 1)
        try app.append(0, Self.labels("new_metric", 2), 9000, 1)
        try app.commit()
        #expect(head.symbols.count == 8)
        #expect(head.truncate(before: 5000) == 1)
        #expect(head.stats.series == 1)
        #expect(head.symbols.count == 6)
        // The removed series can come back.
        let again = head.appender()
        try again.append(0, Self.labels("old_metric", 1), 10000, 2)
        try again.commit()
        let all = try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: []).collect()
        #expect(all.map(\.labels) == [Self.labels("new_metric", 2), Self.labels("old_metric", 1)])
    }

    @Test func replayedSeriesShareLabelStrings() throws {
        let directory = try DataDirectory()
        do {
            let head = try Head.open(directory: directory.path)
            let app = head.appender()
            try app.append(0, Self.labels("replayed_metric_total", 1), 1000, 1)
            try app.append(0, Self.labels("replayed_metric_total", 2), 1000, 2)
            try app.commit()
            try head.close()
        }
        let head = try Head.open(directory: directory.path)
        let series = head.index.withLock { Array($0.series.values) }.sorted { $0.ref < $1.ref }
        let labels = head.labels(of: series)
        #expect(labels == [Self.labels("replayed_metric_total", 1), Self.labels("replayed_metric_total", 2)])
        #expect(Self.sameStorage(labels[0]["__name__"]!, labels[1]["__name__"]!))
        try head.close()
    }

    @Test func appendByReferenceAlone() throws {
        let head = Head()
        let app = head.appender()
        let ref = try app.append(0, Self.labels("by_ref", 1), 1000, 1)
        #expect(try app.append(ref, .empty, 2000, 2) == ref)
        #expect(throws: AppendError.unknownReference) { try app.append(ref + 100, .empty, 2000, 2) }
        #expect(throws: AppendError.invalidLabels("empty label set")) { try app.append(0, .empty, 2000, 2) }
        try app.commit()
        #expect(head.truncate(before: 5000) == 1)
        let later = head.appender()
        #expect(throws: AppendError.unknownReference) { try later.append(ref, .empty, 6000, 2) }
        // With labels, a forgotten reference falls back to them: a new series, a new reference.
        let again = try later.append(ref, Self.labels("by_ref", 1), 6000, 3)
        #expect(again != ref && again != 0)
        #expect(try later.append(again, Self.labels("by_ref", 1), 7000, 4) == again)
        try later.commit()
        #expect(head.labels(of: head.series(for: [again])) == [Self.labels("by_ref", 1)])
    }
}

extension SymbolTableTests {
    @Test func idListsRoundTripAndEncodeUniquely() {
        var generator = SystemRandomNumberGenerator()
        let edges: [UInt32] = [0, 1, 127, 128, 255, 16_383, 16_384, 2_097_151, 2_097_152, .max - 1, .max]
        var seen: [SeriesLabels: [UInt32]] = [:]
        for round in 0..<2_000 {
            let count = Int.random(in: 0...14, using: &generator)
            let ids = (0..<count).map { _ in
                round % 2 == 0 ? edges.randomElement(using: &generator)! : UInt32.random(in: 0...300, using: &generator)
            }
            let encoded = SeriesLabels(ids: ids)
            #expect(encoded.ids == ids)
            // Equal encodings only for equal lists.
            if let earlier = seen[encoded] { #expect(earlier == ids) }
            seen[encoded] = ids
        }
    }
}

/// Selections rebuild label sets lazily; a pin keeps the ids they hold spelled until they are read.
extension SymbolTableTests {
    @Test func pinnedIdsStaySpelledUntilTheLastPinGoes() {
        let table = SymbolTable()
        let a = table.retain(Labels(["__name__": "up", "job": "a"]))
        var pin: SymbolPin? = table.pin()
        var second: SymbolPin? = table.pin()
        table.release(a)
        // Still readable, still found, and not handed to a new string.
        #expect(table.labels(a) == Labels(["__name__": "up", "job": "a"]))
        let b = table.retain(Labels(["__name__": "down", "job": "b"]))
        #expect(Set(a.ids).isDisjoint(with: [b.ids[1], b.ids[3]]))
        // A string used again while deferred keeps its id and outlives the pins.
        let again = table.retain(Labels(["job": "a"]))
        #expect(again.ids[1] == a.ids[3])
        table.release(again)
        let readmitted = table.retain(Labels(["job": "a"]))
        second = nil
        #expect(table.labels(a) == Labels(["__name__": "up", "job": "a"]))
        pin = nil
        #expect(pin == nil && second == nil)
        // "up" is forgotten; "__name__", "job" and "a" are still used.
        #expect(table.find(Labels(["__name__": "up"])) == nil)
        #expect(table.labels(readmitted) == Labels(["job": "a"]))
        #expect(table.count == 5)
        // The freed id of "up" goes to the next new string.
        let c = table.retain(Labels(["x": "y"]))
        #expect(c.ids.contains(a.ids[1]))
        table.release(b)
        table.release(c)
        table.release(readmitted)
        #expect(table.count == 0)
    }

    @Test func aSelectionReadsItsLabelsAfterItsSeriesAreDropped() throws {
        let head = Head()
        let app = head.appender()
        let count = HeadSeriesSet.batchSize * 2 + 5
        for i in 0..<count { try app.append(0, Self.labels("dropped_metric", i), 1000, Double(i)) }
        try app.commit()
        let set = try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: [])
        let first = try #require(try set.next())
        // Drop every series, then enter new strings that would take their freed ids.
        #expect(head.truncate(before: 5000) == count)
        let later = head.appender()
        for i in 0..<count { try later.append(0, Self.labels("replacement_metric", i + count), 6000, 1) }
        try later.commit()
        var read = [first.labels]
        while let one = try set.next() {
            read.append(one.labels)
            var iterator = one.makeIterator()
            #expect(iterator.next() && iterator.timestamp == 1000)
        }
        #expect(read == (0..<count).map { Self.labels("dropped_metric", $0) }.sorted())
        // Once the selection is gone, the dropped strings are forgotten.
        let held = head.symbols.count
        _ = consume set
        #expect(head.symbols.count < held)
        #expect(head.symbols.find(Labels(["__name__": "dropped_metric"])) == nil)
    }
}
