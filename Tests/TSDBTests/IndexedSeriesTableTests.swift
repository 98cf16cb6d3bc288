import MetricModel
import Testing
@testable import TSDB

/// The index writer's packed series table: each string and label pair stored once, each series'
/// pairs and chunk metas given back in the order appended.
@Suite struct IndexedSeriesTableTests {
    @Test func stringsAndPairsAreSharedAndRunsComeBackInOrder() {
        var table = IndexedSeriesTable()
        let chunk = { (t: Int64) in ChunkMeta(minTime: t, maxTime: t + 9, ref: UInt64(t)) }
        table.append(labels: Labels(["__name__": "up", "job": "a"]), chunks: [chunk(0), chunk(10)])
        table.append(labels: Labels(["__name__": "up", "job": "up"]), chunks: [chunk(20)])
        table.append(labels: Labels(["__name__": "up", "job": "a", "x": "job"]), chunks: [])
        table.finishAppending()
        #expect(table.count == 3)
        // "up" is a value twice and "job" a name and a value: still one string each.
        #expect(table.strings == ["__name__", "up", "job", "a", "x"])
        func pairs(_ series: Int) -> [String] {
            table.pairs(of: series).map { "\(table.strings[Int(table.pairNames[Int($0)])])=\(table.strings[Int(table.pairValues[Int($0)])])" }
        }
        #expect(pairs(0) == ["__name__=up", "job=a"])
        #expect(pairs(1) == ["__name__=up", "job=up"])
        #expect(pairs(2) == ["__name__=up", "job=a", "x=job"])
        #expect(table.pairNames.count == 4)  // __name__=up and job=a are shared
        #expect(Array(table.chunks(of: 0)) == [chunk(0), chunk(10)])
        #expect(Array(table.chunks(of: 1)) == [chunk(20)])
        #expect(table.chunks(of: 2).isEmpty)
    }
}
