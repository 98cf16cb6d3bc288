import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct WALCheckpointTests {
    let live = metric("live"), dead = metric("dead")

    /// One sample per second for `live` over [from, to), and for `dead` over its first 20 s.
    func fill(_ head: Head, from: Int, to: Int) throws {
        for i in from..<to {
            var batch = [(live, Timestamp(i) * 1000, Double(i))]
            if i < 20 { batch.append((dead, Timestamp(i) * 1000, -Double(i))) }
            try commit(head, batch)
        }
    }

    func segments(_ dir: DataDirectory) throws -> [Int] { try dir.walEntries().compactMap { Int($0) } }
    func checkpoints(_ dir: DataDirectory) throws -> [String] { try dir.walEntries().filter { $0.hasPrefix("checkpoint.") } }

    @Test func truncationCheckpointsLiveSeriesAndDeletesOldSegments() throws {
        let dir = try DataDirectory()
        let options = walOptions(segmentSize: 256, samplesPerChunk: 10)
        let log = CapturedLog()
        let head = try Head(directory: dir.path, options: options, logger: log.logger)
        try head.replayWAL()
        try fill(head, from: 0, to: 100)
        let before = try segments(dir)
        #expect(before.count > 5)

        #expect(head.truncate(before: 50_000) == 1)
        #expect(head.stats.walCheckpoints == 1 && head.stats.walCheckpointFailures == 0)
        let cps = try checkpoints(dir)
        #expect(cps.count == 1)
        let covered = Checkpoint.number(cps[0])!
        let after = try segments(dir)
        #expect(after.first == covered + 1 && after.last == before.last)
        #expect(log.all.contains { $0.message == "WAL checkpoint complete" && $0.metadata["series"] == "1" })

        let reopened = try Head.open(directory: dir.path, options: options)
        #expect(reopened.stats.series == 1)
        let found = try contents(reopened)
        #expect(found[dead] == nil)
        #expect(found[live]!.filter { $0.t >= 50_000 } == (50..<100).map { RawSample(Timestamp($0) * 1000, Double($0)) })
        #expect(found[live]!.first!.t <= 50_000, "only whole segments before the cut may go")

        // A second truncation replaces the checkpoint and keeps refs and data across both.
        let ref = try commit(reopened, [(live, 100_000, 100)])[0]
        try fill(reopened, from: 101, to: 200)
        reopened.truncate(before: 150_000)
        let second = try checkpoints(dir)
        #expect(second.count == 1 && Checkpoint.number(second[0])! > covered)
        try reopened.close()
        let third = try Head.open(directory: dir.path, options: options)
        #expect(try contents(third)[live]!.filter { $0.t >= 150_000 } == (150..<200).map { RawSample(Timestamp($0) * 1000, Double($0)) })
        #expect(try commit(third, [(live, 300_000, 1)])[0] == ref)
    }

    @Test func truncationCutsTheCurrentSegmentWhenItHoldsOlderSamples() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: walOptions(samplesPerChunk: 10))
        try fill(head, from: 0, to: 30)
        #expect(try segments(dir) == [0])
        head.truncate(before: 40_000)
        // Segment 0 was cut, and as all its samples are older it was checkpointed at once.
        #expect(try dir.walEntries() == ["checkpoint.00000000"])
        try fill(head, from: 40, to: 45)
        #expect(try segments(dir) == [1])
        let reopened = try Head.open(directory: dir.path)
        #expect(try contents(reopened)[live] == (40..<45).map { RawSample(Timestamp($0) * 1000, Double($0)) })
        // Nothing older than the cut: a later truncation at the same time changes nothing.
        let entries = try dir.walEntries()
        reopened.truncate(before: 40_000)
        #expect(try dir.walEntries() == entries)
    }

    @Test func replayRemovesLeftoversOfAnInterruptedCheckpoint() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: walOptions(segmentSize: 256, samplesPerChunk: 10))
        try fill(head, from: 0, to: 60)
        head.truncate(before: 40_000)
        let covered = Checkpoint.number(try checkpoints(dir)[0])!
        // A crash after the rename but before the deletions, or during the next checkpoint.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.segment(covered)))
        try FileManager.default.createDirectory(atPath: dir.wal + "/checkpoint.00000099.tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.wal + "/" + Checkpoint.name(covered - 1), withIntermediateDirectories: true)
        let reopened = try Head(directory: dir.path)
        let report = try reopened.replayWAL()
        #expect(report.corruptions.isEmpty)
        #expect(try checkpoints(dir) == [Checkpoint.name(covered)])
        #expect(try segments(dir).allSatisfy { $0 > covered })
        #expect(try contents(reopened)[live]!.filter { $0.t >= 40_000 } == (40..<60).map { RawSample(Timestamp($0) * 1000, Double($0)) })
    }

    @Test func inMemoryHeadTruncatesWithoutAnyFiles() throws {
        let head = Head()
        try fill(head, from: 0, to: 30)
        #expect(head.truncate(before: 25_000) == 1)
        #expect(head.stats.walCheckpoints == 0)
    }

    @Test func aSeriesDroppedAndRecreatedReplaysAsOneSeries() throws {
        let dir = try DataDirectory()
        let options = walOptions(samplesPerChunk: 2)
        let head = try Head.open(directory: dir.path, options: options)
        let x = metric("x"), y = metric("y")
        let first = try commit(head, [(x, 1000, 1), (y, 1000, 1)])[0]
        try commit(head, [(x, 2000, 2), (y, 10_000, 2)])
        // x is dropped from memory; its segment stays, as y has a sample after the cut in it.
        #expect(head.truncate(before: 5000) == 1)
        #expect(try checkpoints(dir).isEmpty)
        let second = try commit(head, [(x, 20_000, 3)])[0]
        #expect(second != first)
        let reopened = try Head.open(directory: dir.path, options: options)
        #expect(reopened.stats.series == 2)
        let found = try contents(reopened)
        #expect(found[x] == [RawSample(1000, 1), RawSample(2000, 2), RawSample(20_000, 3)])
        #expect(found[y] == [RawSample(1000, 1), RawSample(10_000, 2)])
        // Both log references lead to the one series.
        #expect(try commit(reopened, [(x, 30_000, 4)])[0] == first)
    }
}
