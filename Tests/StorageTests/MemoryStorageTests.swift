import MetricModel
import Storage
import Testing

@Suite struct MemoryStorageTests {
    let up = Labels(["__name__": "up", "job": "a"])

    @Test func commitMakesSamplesVisibleRollbackDoesNot() throws {
        let storage = MemoryStorage()
        let app = storage.appender()
        try app.append(0, up, 1000, 1)
        #expect(try storage.querier(mint: 0, maxt: 2000).select(sorted: true, hints: nil, matchers: []).collect().isEmpty)
        try app.commit()
        let rolled = storage.appender()
        try rolled.append(0, up, 2000, 2)
        rolled.rollback()
        let series = try storage.querier(mint: 0, maxt: 3000).select(sorted: true, hints: nil, matchers: []).collect()
        #expect(series.count == 1)
        let it = series[0].makeIterator()
        #expect(it.next() && it.timestamp == 1000 && it.value == 1)
        #expect(!it.next())
    }

    @Test func outOfOrderAndDuplicatesAreRejected() throws {
        let storage = MemoryStorage()
        try storage.add(up, [(1000, 1)])
        let app = storage.appender()
        #expect(throws: AppendError.outOfOrder) { try app.append(0, up, 999, 1) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(0, up, 1000, 2) }
        try app.append(0, up, 1000, 1) // same value at same time: silently accepted
        try app.append(0, up, 1001, 1)
        #expect(throws: AppendError.outOfOrder) { try app.append(0, up, 1000, 1) }
    }

    @Test func iteratorSeekNeverMovesBackwards() {
        let it = ArraySampleIterator(timestamps: [10, 20, 30], values: [1, 2, 3])
        #expect(it.seek(15) && it.timestamp == 20)
        #expect(it.seek(5) && it.timestamp == 20)
        #expect(it.next() && it.timestamp == 30)
        #expect(!it.seek(31))
    }
}
