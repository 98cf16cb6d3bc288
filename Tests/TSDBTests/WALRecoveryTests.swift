import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// Torn and corrupt logs: opening never fails and never drops a good record before the damage.
@Suite struct WALRecoveryTests {
    /// Where each committed batch's record starts: (segment number, byte offset).
    struct Placed {
        var segment: Int
        var offset: Int
        var samples: [(Labels, Timestamp, Double)]
    }

    /// Commits `batches`, noting where each one's write landed.
    func write(_ dir: DataDirectory, _ head: Head, _ batches: [[(Labels, Timestamp, Double)]]) throws -> [Placed] {
        var placed: [Placed] = []
        for batch in batches {
            let before = try dir.walEntries()
            let lastSize = try before.last.map { try dir.size(dir.wal + "/" + $0) } ?? 0
            try commit(head, batch)
            let after = try dir.walEntries()
            let segment = Int(after.last!)!
            placed.append(Placed(segment: segment, offset: after.count > before.count ? 0 : lastSize, samples: batch))
        }
        return placed
    }

    func expected(_ placed: [Placed]) -> [Labels: [RawSample]] {
        var out: [Labels: [RawSample]] = [:]
        for batch in placed { for (labels, t, v) in batch.samples { out[labels, default: []].append(RawSample(t, v)) } }
        return out
    }

    func batches(_ count: Int, series: Int = 3, newSeriesLast: Bool = false) -> [[(Labels, Timestamp, Double)]] {
        var out = (0..<count).map { i in
            (0..<series).map { s in (metric("m", ["s": "\(s)"]), Timestamp(i) * 15_000, Double(i * 10 + s)) }
        }
        if newSeriesLast { out[count - 1].append((metric("late"), Timestamp(count - 1) * 15_000, 42)) }
        return out
    }

    @Test func tornTailAtEveryOffsetOfTheLastWriteKeepsEveryEarlierRecord() throws {
        let source = try DataDirectory()
        let head = try Head.open(directory: source.path, options: walOptions(segmentSize: 400))
        let placed = try write(source, head, batches(12, newSeriesLast: true))
        let last = placed.last!
        let lastPath = source.segment(last.segment)
        let bytes = try WALFiles.read(lastPath)
        #expect(last.segment > 0, "the log should span several segments")
        let earlier = expected(placed.dropLast())
        // The last write is two records: the new series, then the batch's samples.
        let boundaries = try recordOffsets(lastPath).offsets.filter { $0 >= last.offset }
        #expect(boundaries.count == 2)
        for cut in last.offset..<bytes.count {
            let good = boundaries.last { $0 <= cut }!
            let dir = try source.copy()
            try WALFiles.truncate(dir.segment(last.segment), to: cut)
            let log = CapturedLog()
            let reopened = try Head(directory: dir.path, logger: log.logger)
            let report = try reopened.replayWAL()
            #expect(try contents(reopened) == earlier, "cut at \(cut)")
            #expect(try dir.size(dir.segment(last.segment)) == good, "cut at \(cut)")
            if cut == good {
                #expect(report.corruptions.isEmpty)
            } else {
                #expect(report.corruptions.map(\.file) == [dir.segment(last.segment)], "cut at \(cut)")
                #expect(report.corruptions.map(\.offset) == [good], "cut at \(cut)")
                let warning = log.all.first { $0.message == "WAL corruption: truncating segment at the last good record" }
                #expect(warning?.level == .warning)
                #expect(warning?.metadata["file"] == dir.segment(last.segment))
                #expect(warning?.metadata["offset"] == "\(good)")
                #expect(warning?.metadata["dropped_bytes"] == "\(cut - good)")
            }
            // The repaired log takes new commits and replays cleanly with them.
            try commit(reopened, [(metric("after"), 1, 1)])
            let again = try Head(directory: dir.path)
            #expect(try again.replayWAL().corruptions.isEmpty)
            var withNew = earlier
            withNew[metric("after")] = [RawSample(1, 1)]
            #expect(try contents(again) == withNew)
        }
    }

    @Test func replayReadsInWindowsOfAnySizeWithTheSameResult() throws {
        let source = try DataDirectory()
        let head = try Head.open(directory: source.path, options: walOptions(segmentSize: 4096))
        let placed = try write(source, head, batches(60, series: 7))
        let all = expected(placed)
        // Windows smaller than a header, than a record, around a record, and larger than a segment.
        for window in [1, 5, 13, 40, 97, 300, 1_000, 1 << 20] {
            var options = walOptions(segmentSize: 4096)
            options.walReplayWindow = window
            let dir = try source.copy()
            let reopened = try Head(directory: dir.path, options: options)
            let report = try reopened.replayWAL()
            #expect(report.corruptions.isEmpty, "window \(window)")
            #expect(try contents(reopened) == all, "window \(window)")
        }
    }

    @Test func damageFoundInALaterWindowTruncatesAtTheRightOffset() throws {
        let source = try DataDirectory()
        let head = try Head.open(directory: source.path, options: walOptions(segmentSize: 1 << 20))
        let placed = try write(source, head, batches(40))
        #expect(placed.allSatisfy { $0.segment == placed[0].segment })
        let victim = placed[30]
        for torn in [false, true] {
            let dir = try source.copy()
            let path = dir.segment(victim.segment)
            var bytes = try WALFiles.read(path)
            if torn {
                bytes = Array(bytes[..<(victim.offset + 5)])  // a torn header at the end
            } else {
                bytes[victim.offset + WALFrame.headerSize + 1] ^= 0x10
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var options = walOptions(segmentSize: 1 << 20)
            options.walReplayWindow = 64
            let reopened = try Head(directory: dir.path, options: options)
            let report = try reopened.replayWAL()
            #expect(report.corruptions.map(\.offset) == [victim.offset], "torn \(torn)")
            let reason = report.corruptions.first?.reason ?? ""
            #expect(torn ? reason == "torn record header: 5 of 12 bytes" : reason.hasPrefix("CRC32C mismatch"), "\(reason)")
            #expect(try contents(reopened) == expected(Array(placed[..<30])), "torn \(torn)")
            #expect(try dir.size(path) == victim.offset)
        }
    }

    @Test func crcCorruptionInTheMiddleTruncatesThatSegmentAndKeepsLaterOnes() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: walOptions(segmentSize: 400))
        let placed = try write(dir, head, batches(40))
        let inSegment1 = placed.filter { $0.segment == 1 }
        #expect(inSegment1.count >= 3 && placed.last!.segment >= 3)
        let victim = inSegment1[1]
        var bytes = try WALFiles.read(dir.segment(1))
        bytes[victim.offset + WALFrame.headerSize + 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: dir.segment(1)))

        let log = CapturedLog()
        let reopened = try Head(directory: dir.path, logger: log.logger)
        let report = try reopened.replayWAL()
        #expect(report.corruptions.count == 1)
        #expect(report.corruptions.first?.file == dir.segment(1))
        #expect(report.corruptions.first?.offset == victim.offset)
        #expect(report.corruptions.first?.reason.hasPrefix("CRC32C mismatch: stored 0x") == true)
        #expect(log.all.contains { $0.level == .warning && $0.metadata["offset"] == "\(victim.offset)" })
        let kept = placed.filter { $0.segment != 1 || $0.offset < victim.offset }
        #expect(kept.count == placed.count - (inSegment1.count - 1))
        #expect(try contents(reopened) == expected(kept))
        #expect(try dir.size(dir.segment(1)) == victim.offset)
        #expect(report.unknownReferenceSamples == 0)

        // The repair is stable: a second replay finds nothing to cut and the same data.
        let again = try Head(directory: dir.path)
        #expect(try again.replayWAL().corruptions.isEmpty)
        #expect(try contents(again) == expected(kept))
    }

    @Test func samplesOfALostSeriesRecordAreDroppedAndCounted() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: walOptions(segmentSize: 300))
        let placed = try write(dir, head, batches(20))
        var bytes = try WALFiles.read(dir.segment(0))
        bytes[5] ^= 0x01  // the length field of the very first record: the series record
        try Data(bytes).write(to: URL(fileURLWithPath: dir.segment(0)))
        let reopened = try Head(directory: dir.path)
        let report = try reopened.replayWAL()
        #expect(report.corruptions.map(\.offset) == [0])
        let later = placed.filter { $0.segment > 0 }
        #expect(report.unknownReferenceSamples == later.reduce(0) { $0 + $1.samples.count })
        #expect(report.series == 0 && report.samples == 0)
        #expect(try contents(reopened).isEmpty)
        // A new series gets a reference past every one in the log, even those without a record.
        let refs = try commit(reopened, [(metric("m", ["s": "0"]), 1_000_000, 1)])
        #expect(refs[0] == 4)
    }

    @Test func corruptionInALaterDecodingBatchKeepsAllRecordsBeforeIt() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path)
        let placed = try write(dir, head, batches(40))
        // Record 0 holds the series, record i + 1 the samples of batch i; replay decodes 8 at a time.
        let offsets = try recordOffsets(dir.segment(0)).offsets
        #expect(offsets.count == 41)
        var bytes = try WALFiles.read(dir.segment(0))
        bytes[offsets[27] + 3] ^= 0xFF  // inside the stored CRC
        try Data(bytes).write(to: URL(fileURLWithPath: dir.segment(0)))
        let reopened = try Head(directory: dir.path)
        let report = try reopened.replayWAL()
        #expect(report.corruptions.map(\.offset) == [offsets[27]])
        #expect(try contents(reopened) == expected(Array(placed.prefix(26))))
    }
}
