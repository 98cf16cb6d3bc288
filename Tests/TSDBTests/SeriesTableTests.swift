import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct SeriesTableTests {
    func series(_ ref: SeriesRef) -> MemSeries { MemSeries(ref: ref, labelIDs: SeriesLabels(ids: [0, UInt32(truncatingIfNeeded: ref)])) }

    @Test func behavesLikeADictionaryAcrossPagesAndSparseReferences() {
        var table = SeriesTable()
        var model: [SeriesRef: MemSeries] = [:]
        var generator = SystemRandomNumberGenerator()
        let refs: [SeriesRef] = [1, 2, 4095, 4096, 4097, 70_000, SeriesTable.sparseFloor - 1, SeriesTable.sparseFloor,
                                 SeriesTable.sparseFloor + 5, .max]
        for _ in 0..<2_000 {
            let ref = Bool.random(using: &generator) ? refs.randomElement(using: &generator)!
                                                     : SeriesRef.random(in: 1...20_000, using: &generator)
            if Int.random(in: 0..<3, using: &generator) == 0 {
                table[ref] = nil
                model[ref] = nil
            } else {
                let one = series(ref)
                table[ref] = one
                model[ref] = one
            }
            #expect(table.count == model.count)
            #expect(table[ref] === model[ref])
        }
        for ref in refs { #expect(table[ref] === model[ref]) }
        #expect(table.values.map(\.ref) == model.keys.sorted())
    }

    @Test func removingEverySeriesOfAPageFreesItAndLookupsStillWork() {
        var table = SeriesTable()
        for ref in SeriesRef(1)..<SeriesRef(3 * SeriesTable.pageSize) { table[ref] = series(ref) }
        #expect(table.pageCount == 3)
        for ref in SeriesRef(SeriesTable.pageSize)..<SeriesRef(2 * SeriesTable.pageSize) { table[ref] = nil }
        #expect(table.pageCount == 2)
        #expect(table.count == 2 * SeriesTable.pageSize - 1)
        #expect(table[SeriesRef(SeriesTable.pageSize) + 7] == nil)
        #expect(table[SeriesRef(2 * SeriesTable.pageSize)]?.ref == SeriesRef(2 * SeriesTable.pageSize))
        // Removing what is absent changes nothing, and does not allocate a page.
        table[SeriesRef(SeriesTable.pageSize) + 1] = nil
        table[1 << 30] = nil
        #expect(table.pageCount == 2)
        #expect(table.count == 2 * SeriesTable.pageSize - 1)
    }
}
