import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct WALHeadTests {
    @Test func committedSamplesAndSeriesRefsSurviveReopen() throws {
        let dir = try DataDirectory()
        let a = metric("http_requests_total", ["job": "api", "code": "200"])
        let b = metric("up", ["job": "api"])
        var refs: [Labels: SeriesRef] = [:]
        var expected: [Labels: [RawSample]] = [:]
        do {
            let head = try Head.open(directory: dir.path, options: walOptions(samplesPerChunk: 7))
            for i in 0..<50 {
                let t = 1_700_000_000_000 + Timestamp(i) * 15_000
                let batch = i % 3 == 0 ? [(a, t, Double(i)), (b, t, 1.0)] : [(a, t, Double(i))]
                for (labels, ref) in zip(batch.map(\.0), try commit(head, batch)) { refs[labels] = ref }
                for (labels, t, v) in batch { expected[labels, default: []].append(RawSample(t, v)) }
            }
            #expect(try contents(head) == expected)
            try head.close()
        }
        let head = try Head.open(directory: dir.path, options: walOptions(samplesPerChunk: 7))
        #expect(try contents(head) == expected)
        #expect(head.stats.series == 2)
        #expect(head.stats.chunks == 8 + 3)
        #expect(head.stats.minTime == 1_700_000_000_000 && head.stats.maxTime == 1_700_000_000_000 + 49 * 15_000)
        // A reference cached before the restart still names the same series, with or without it.
        let app = head.appender()
        #expect(try app.append(refs[a]!, a, 1_800_000_000_000, 1) == refs[a]!)
        #expect(try app.append(0, b, 1_800_000_000_000, 1) == refs[b]!)
        // A new series never reuses a reference from before the restart.
        let c = try app.append(0, metric("new"), 1_800_000_000_000, 1)
        #expect(c > max(refs[a]!, refs[b]!))
        try app.commit()
        #expect(throws: AppendError.outOfOrder) { try head.appender().append(refs[a]!, a, 1_700_000_000_000, 1) }
    }

    @Test func reopenWithoutCloseKeepsEverythingCommitted() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path)
        try commit(head, [(metric("m"), 1000, 1), (metric("n"), 1000, 2)])
        try commit(head, [(metric("m"), 2000, 3)])
        // No close: like kill -9, only the write() of each commit happened.
        let reopened = try Head.open(directory: dir.path)
        #expect(try contents(reopened) == [metric("m"): [RawSample(1000, 1), RawSample(2000, 3)], metric("n"): [RawSample(1000, 2)]])
    }

    @Test func staleMarkersAndNaNPayloadsSurviveBitExactly() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path)
        var expected: [RawSample] = []
        for (i, value) in specialValues.enumerated() {
            try commit(head, [(metric("special"), Timestamp(i) * 1000, value)])
            expected.append(RawSample(Timestamp(i) * 1000, value))
        }
        let reopened = try Head.open(directory: dir.path)
        let samples = try contents(reopened)[metric("special")]!
        #expect(samples == expected)
        #expect(samples.contains { $0.value.isStaleMarker })
    }

    @Test func rollbackNeverReachesTheWAL() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path)
        try commit(head, [(metric("kept"), 1000, 1)])
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.segment(0)))
        let app = head.appender()
        try app.append(0, metric("kept"), 2000, 2)
        try app.append(0, metric("dropped"), 2000, 3)
        app.rollback()
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.segment(0))) == before)
        #expect(try dir.walEntries() == ["00000000"])
        try head.close()
        let reopened = try Head.open(directory: dir.path)
        let found = try contents(reopened)
        #expect(found[metric("kept")] == [RawSample(1000, 1)])
        #expect(found[metric("dropped")] == nil)
    }

    @Test func appendsAreRefusedDuringReplayAndAfterClose() throws {
        let dir = try DataDirectory()
        let head = try Head(directory: dir.path)
        #expect(throws: AppendError.storage("TSDB not ready: write-ahead log replay in progress")) {
            try head.appender().append(0, metric("m"), 1, 1)
        }
        try head.replayWAL()
        #expect(throws: WALError("write-ahead log \(dir.wal) was already replayed")) { try head.replayWAL() }
        try commit(head, [(metric("m"), 1, 1)])
        let open = head.appender()
        try open.append(0, metric("m"), 2, 2)
        try head.close()
        #expect(throws: AppendError.storage("TSDB is closed")) { try head.appender().append(0, metric("m"), 3, 1) }
        #expect(throws: AppendError.storage("WAL commit failed: write-ahead log \(dir.wal) is closed")) { try open.commit() }
        #expect(throws: WALError("this head has no write-ahead log")) { try Head().replayWAL() }
        var bad = Head.Options()
        bad.walSegmentSize = 0
        #expect(throws: WALError("WAL segment size must be positive, got 0")) { try Head(directory: dir.path, options: bad) }
    }

    @Test func segmentsAreCutAtTheConfiguredSize() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: walOptions(segmentSize: 300))
        for i in 0..<40 {
            try commit(head, (0..<5).map { (metric("m", ["i": "\($0)"]), Timestamp(i) * 1000, Double(i * $0)) })
        }
        try head.close()
        let segments = try dir.walEntries()
        #expect(segments.count > 3)
        for name in segments.dropLast() { #expect(try dir.size(dir.wal + "/" + name) <= 300) }
        let reopened = try Head.open(directory: dir.path)
        #expect(try contents(reopened).values.map(\.count) == [40, 40, 40, 40, 40])
        // Reopening starts a fresh segment instead of appending to the last one.
        try commit(reopened, [(metric("m", ["i": "0"]), 100_000, 1)])
        #expect(try dir.walEntries().count == segments.count + 1)
    }

    @Test func concurrentAppendersReplayToWhatTheySaw() async throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: walOptions(segmentSize: 4096, samplesPerChunk: 50))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    for i in 0..<200 {
                        let app = head.appender()
                        // Each batch touches a shared series and one of the worker's own.
                        _ = try? app.append(0, metric("shared"), Timestamp(i * 6 + worker), Double(worker))
                        _ = try? app.append(0, metric("own", ["w": "\(worker)", "k": "\(i % 4)"]), Timestamp(i), Double(i))
                        try? app.commit()
                    }
                }
            }
        }
        let seen = try contents(head)
        #expect(seen.count == 1 + 6 * 4)
        #expect(seen.values.filter { $0.count == 50 }.count == 24)
        let reopened = try Head.open(directory: dir.path, options: walOptions(segmentSize: 4096, samplesPerChunk: 50))
        #expect(try contents(reopened) == seen)
    }

    @Test func aFailedWALWriteRefusesTheCommitAndTheHeadRecovers() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: walOptions(segmentSize: 64))
        try commit(head, [(metric("m"), 1000, 1)])
        // The next commit must start segment 1; a directory in its place makes that fail.
        try FileManager.default.createDirectory(atPath: dir.segment(1), withIntermediateDirectories: false)
        let app = head.appender()
        try app.append(0, metric("m"), 2000, 2)
        #expect(throws: AppendError.storage("WAL commit failed: create \(dir.segment(1)): File exists")) { try app.commit() }
        #expect(head.stats.walWriteFailures == 1)
        #expect(try contents(head)[metric("m")] == [RawSample(1000, 1)])
        try FileManager.default.removeItem(atPath: dir.segment(1))
        try commit(head, [(metric("m"), 3000, 3)])
        #expect(try contents(head)[metric("m")] == [RawSample(1000, 1), RawSample(3000, 3)])
        let reopened = try Head.open(directory: dir.path)
        #expect(try contents(reopened)[metric("m")] == [RawSample(1000, 1), RawSample(3000, 3)])
    }
}
