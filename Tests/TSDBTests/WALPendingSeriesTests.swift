import MetricModel
import Storage
import Testing
@testable import TSDB

/// Series logged before a commit are encoded as they arrive; the record written is the one the
/// whole list would have made.
@Suite struct WALPendingSeriesTests {
    @Test func incrementalEncodingMakesTheSameRecord() throws {
        let entries = (1...300).map { index in
            WALRecord.SeriesEntry(ref: SeriesRef(index * 7919), labels: Labels([
                "__name__": "tokens_used_total", "model": "m\(index % 13)", "user": String(repeating: "ü", count: index % 40),
            ]))
        }
        var pending = PendingSeries()
        #expect(pending.isEmpty)
        for entry in entries { pending.add(entry.ref, entry.labels) }
        #expect(pending.count == 300)
        #expect(pending.frame() == WALFrame.encode(.series(entries)))
        var decoded: [WALRecord] = []
        let end = WALFrame.scan(pending.frame()) { record, _ in decoded.append(record) }
        #expect(end.problem == nil)
        #expect(decoded == [.series(entries)])
    }
}
