import Testing
@testable import MetricModel

/// Label strings built separately end up as one shared heap copy; the table forgets what no
/// live label set uses; concurrent interning agrees on one copy per string.
@Suite struct LabelInternerTests {
    /// A heap string built at run time (not a literal), so two calls give two separate copies.
    static func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }

    static func storageAddress(_ labels: Labels) -> UnsafeRawPointer? {
        labels.pairs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func equalHeapStringsShareOneCopy() {
        let table = LabelInterner()
        let a = Self.fresh("http_request_duration_seconds_bucket")
        let b = Self.fresh("http_request_duration_seconds_bucket")
        #expect(!LabelInterner.sameStorage(a, b))
        let first = table.intern(a), second = table.intern(b)
        #expect(first == b && second == a)
        #expect(LabelInterner.sameStorage(first, second))
        #expect(LabelInterner.sameStorage(second, a))
        #expect(table.count == 1)
    }

    @Test func inlineStringsStayOutOfTheTable() {
        let table = LabelInterner()
        #expect(table.intern(Self.fresh("job")) == "job")
        #expect(table.intern(Self.fresh("127.0.0.1:23201")) == "127.0.0.1:23201")  // 15 bytes
        #expect(table.count == 0)
        _ = table.intern(Self.fresh("127.0.0.1:230011"))  // 16 bytes
        #expect(table.count == 1)
    }

    @Test func labelSetsShareStringsAndKeepSharedStorage() {
        let table = LabelInterner()
        func build(_ series: Int) -> Labels {
            Labels(["__name__": Self.fresh("tokens_used_total_by_model"), "model": Self.fresh("anthropic-model-0"),
                    "series": "\(series)"])
        }
        var one = build(1), two = build(2)
        one.intern(in: table)
        two.intern(in: table)
        #expect(one == build(1) && two == build(2))
        #expect(LabelInterner.sameStorage(one["__name__"]!, two["__name__"]!))
        #expect(LabelInterner.sameStorage(one["model"]!, two["model"]!))
        #expect(table.count == 2)

        // Already interned: a copy that shares storage keeps sharing it.
        var copy = one
        copy.intern(in: table)
        #expect(Self.storageAddress(copy) == Self.storageAddress(one))

        // Unique storage is rewritten in place, not copied.
        var unique = build(3)
        let before = Self.storageAddress(unique)
        unique.intern(in: table)
        #expect(Self.storageAddress(unique) == before)
        #expect(LabelInterner.sameStorage(unique["model"]!, one["model"]!))
    }

    @Test func collectForgetsWhatNoLiveSetUses() {
        let table = LabelInterner(stripes: 4)
        var kept = Labels(["__name__": Self.fresh("kept_metric_name_long"), "a": "b"])
        var dropped = Labels(["__name__": Self.fresh("dropped_metric_name_long")])
        kept.intern(in: table)
        dropped.intern(in: table)
        #expect(table.count == 2)
        #expect(table.collect(keeping: [kept]) == 1)
        #expect(table.count == 1)
        // The survivor is still the copy `kept` holds; the forgotten string is still intact.
        #expect(LabelInterner.sameStorage(table.intern(Self.fresh("kept_metric_name_long")), kept["__name__"]!))
        #expect(dropped.metricName == "dropped_metric_name_long")
        #expect(table.collect(keeping: [Labels]()) == 0)
    }

    @Test func concurrentInterningAgreesOnOneCopy() async {
        let table = LabelInterner(stripes: 4)
        let words = (0..<64).map { "shared_label_value_number_\($0)" }
        let results = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<2_000).map { table.intern(Self.fresh(words[$0 % words.count])) } }
            }
            var all: [[String]] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(table.count == words.count)
        for result in results {
            for (index, string) in result.enumerated() {
                #expect(string == words[index % words.count])
                #expect(LabelInterner.sameStorage(string, results[0][index % words.count]))
            }
        }
    }
}
