import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// Closed chunks in `chunks_head/` files: written and read back exactly, and a restart with them
/// (whole, damaged or missing) gives the same head as a restart from the write-ahead log alone.
@Suite struct HeadChunksTests {
    static let start: Timestamp = 1_700_000_000_000

    static func options(perChunk: Int = 10, fileSize: Int = 128 << 20) -> Head.Options {
        var options = walOptions(segmentSize: 4096, samplesPerChunk: perChunk)
        options.headChunkFileSize = fileSize
        return options
    }

    /// `series` series × `scrapes` samples 15 s apart, one commit per scrape; odd values include
    /// a staleness marker and a NaN payload to check bit-exactness.
    @discardableResult
    static func fill(_ head: Head, series: Int = 5, scrapes: Int, from first: Int = 0) throws -> [Labels: [RawSample]] {
        var expected: [Labels: [RawSample]] = [:]
        for scrape in first..<first + scrapes {
            let t = start + Timestamp(scrape) * 15_000
            var batch: [(Labels, Timestamp, Double)] = []
            for s in 0..<series {
                let value: Double = scrape % 17 == 5 ? .staleMarker : scrape % 23 == 7 ? Double(bitPattern: 0x7ff8_0000_0000_0abc) : Double(scrape * 3 + s) / 4
                batch.append((metric("m", ["s": "\(s)"]), t, value))
            }
            try commit(head, batch)
            for (labels, t, v) in batch { expected[labels, default: []].append(RawSample(t, v)) }
        }
        return expected
    }

    static func chunkFiles(_ dir: DataDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path + "/chunks_head").filter { HeadChunkFormat.fileNumber($0) != nil }.sorted()
    }

    static func memSeries(_ head: Head, _ s: Int) throws -> MemSeries {
        let labels = metric("m", ["s": "\(s)"])
        return try #require(head.series(labeled: labels))
    }

    @Test func closedChunksGoToFilesAndReadBackBitExactly() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options())
        let expected = try Self.fill(head, scrapes: 95)
        // 9 full chunks per series are on disk; the open tenth stays in memory.
        for s in 0..<5 {
            let state = try Self.memSeries(head, s).chunks.withLock { $0 }
            #expect(state.mapped.count == 9 && state.closed.isEmpty && state.open.count == 5)
            let samples = expected[metric("m", ["s": "\(s)"])]!
            for (i, chunk) in state.mapped.enumerated() {
                let reference = makeChunk(Array(samples[i * 10..<i * 10 + 10]))
                #expect(chunk.bytes() == reference.bytes)
                #expect(chunk.minTime == reference.minTime && chunk.maxTime == reference.maxTime && chunk.sampleCount == 10)
            }
        }
        // Readable from the write buffer before the flush, and from the map after it.
        #expect(try contents(head) == expected)
        try head.close()
        #expect(try Self.chunkFiles(dir) == ["000000"])
        #expect(try contents(head) == expected)
        // The file holds exactly those records.
        let bytes = try WALFiles.read(dir.path + "/chunks_head/000000")
        #expect(Array(bytes[0..<8]) == [0x45, 0x4D, 0x48, 0x43, 1, 0, 0, 0])
        var offset = 8
        var records = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let record = try HeadChunkFormat.decode(raw, at: offset).get()
                #expect(record.sampleCount == 10 && record.maxTime == record.minTime + 9 * 15_000)
                offset += record.size
                records += 1
            }
        }
        #expect(records == 45 && offset == bytes.count)
    }

    @Test func restartWithChunkFilesEqualsRestartFromTheLogAlone() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        var expected = try Self.fill(head, scrapes: 123)
        try head.close()
        #expect(try Self.chunkFiles(dir).count > 3)
        let withoutChunks = try dir.copy()
        try FileManager.default.removeItem(atPath: withoutChunks.path + "/chunks_head")

        let fast = try Head(directory: dir.path, options: Self.options(fileSize: 1000))
        let report = try fast.replayWAL()
        #expect(report.mappedChunks == 5 * 12 && report.samplesInMappedChunks == 5 * 120)
        #expect(report.samples == 5 * 3 && report.chunkFileCorruptions.isEmpty)
        let slow = try Head(directory: withoutChunks.path, options: Self.options(fileSize: 1000))
        let slowReport = try slow.replayWAL()
        #expect(slowReport.mappedChunks == 0 && slowReport.samples == 5 * 123)
        #expect(try contents(fast) == expected)
        #expect(try contents(slow) == expected)
        #expect(fast.stats == slow.stats)
        for (mint, maxt) in [(Self.start + 100_000, Self.start + 700_000), (Self.start + 1_000_000, Timestamp.max)] {
            #expect(try contents(fast, mint: mint, maxt: maxt) == contents(slow, mint: mint, maxt: maxt))
        }
        // Both go on: new chunks land in a new file; a second restart still agrees.
        expected.merge(try Self.fill(fast, scrapes: 40, from: 123)) { $0 + $1 }
        try fast.close()
        let again = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        #expect(try contents(again) == expected)
        #expect(try again.stats.chunks == 5 * 17)
    }

    @Test func aCorruptChunkIsCutWithTheFilesAfterItAndTheLogFillsIn() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        let expected = try Self.fill(head, scrapes: 123)
        try head.close()
        let files = try Self.chunkFiles(dir)
        #expect(files.count > 3)
        // Flip one byte of the third record of file 1.
        let damaged = dir.path + "/chunks_head/" + files[1]
        var bytes = try WALFiles.read(damaged)
        var offsets: [Int] = []
        bytes.withUnsafeBytes { raw in
            var offset = 8
            while offset < raw.count, case let .success(record) = HeadChunkFormat.decode(raw, at: offset) {
                offsets.append(offset)
                offset += record.size
            }
        }
        bytes[offsets[2] + 40] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))

        let log = CapturedLog()
        let reopened = try Head(directory: dir.path, options: Self.options(fileSize: 1000), logger: log.logger)
        let report = try reopened.replayWAL()
        #expect(report.chunkFileCorruptions.map(\.file) == [damaged])
        #expect(report.chunkFileCorruptions.map(\.offset) == [offsets[2]])
        #expect(report.chunkFileCorruptions.first?.reason.hasPrefix("CRC-32C mismatch: stored 0x") == true)
        let warning = log.all.first { $0.message == "head chunk file corruption: truncating at the last good chunk" }
        #expect(warning?.level == .warning)
        #expect(warning?.metadata["file"] == damaged)
        #expect(warning?.metadata["offset"] == "\(offsets[2])")
        #expect(try dir.size(damaged) == offsets[2])
        // The files after the damage are gone; replay wrote the chunks it rebuilt to new files
        // numbered after every old one.
        let now = try Self.chunkFiles(dir)
        #expect(Array(now.prefix(2)) == [files[0], files[1]])
        #expect(now.dropFirst(2).allSatisfy { HeadChunkFormat.fileNumber($0)! >= files.count } && now.count > 2)
        #expect(try contents(reopened) == expected)
        try reopened.close()
        let clean = try Head(directory: dir.path, options: Self.options(fileSize: 1000))
        #expect(try clean.replayWAL().chunkFileCorruptions.isEmpty)
        #expect(try contents(clean) == expected)
    }

    @Test func aTornTailAtEveryOffsetOfTheLastChunkIsCut() throws {
        let source = try DataDirectory()
        let head = try Head.open(directory: source.path, options: Self.options())
        let expected = try Self.fill(head, series: 2, scrapes: 35)
        try head.close()
        let path = "/chunks_head/000000"
        let length = try source.size(source.path + path)
        let lastStart = length - HeadChunkFormat.recordSize(dataLength: try Self.memSeries(head, 1).chunks.withLock { $0.mapped.last!.bytes().count })
        for cut in lastStart..<length {
            let dir = try source.copy()
            try WALFiles.truncate(dir.path + path, to: cut)
            let reopened = try Head(directory: dir.path, options: Self.options())
            let report = try reopened.replayWAL()
            #expect(report.chunkFileCorruptions.map(\.offset) == (cut == lastStart ? [] : [lastStart]), "cut at \(cut)")
            #expect(try dir.size(dir.path + path) == lastStart, "cut at \(cut)")
            #expect(try contents(reopened) == expected, "cut at \(cut)")
        }
    }

    @Test func aBadHeaderOrAMissingFileFallsBackToTheLog() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        let expected = try Self.fill(head, scrapes: 123)
        try head.close()
        let files = try Self.chunkFiles(dir)
        // The first file deleted: every series' run misses its start, so the log replays all.
        let missingFirst = try dir.copy()
        try FileManager.default.removeItem(atPath: missingFirst.path + "/chunks_head/" + files[0])
        let first = try Head.open(directory: missingFirst.path, options: Self.options(fileSize: 1000))
        #expect(try contents(first) == expected)
        // A file in the middle deleted: the files after the gap go.
        let gap = try dir.copy()
        try FileManager.default.removeItem(atPath: gap.path + "/chunks_head/" + files[1])
        let log = CapturedLog()
        let middle = try Head(directory: gap.path, options: Self.options(fileSize: 1000), logger: log.logger)
        try middle.replayWAL()
        #expect(try contents(middle) == expected)
        #expect(log.all.contains { $0.message == "head chunk files missing: deleting the files after the gap" })
        #expect(try !FileManager.default.fileExists(atPath: gap.path + "/chunks_head/" + files[2]))
        // A bad magic number: the file is deleted (nothing in it was good).
        let badMagic = try dir.copy()
        var bytes = try WALFiles.read(badMagic.path + "/chunks_head/" + files[0])
        bytes[0] = 0x50
        try Data(bytes).write(to: URL(fileURLWithPath: badMagic.path + "/chunks_head/" + files[0]))
        let magic = try Head(directory: badMagic.path, options: Self.options(fileSize: 1000))
        let report = try magic.replayWAL()
        #expect(report.chunkFileCorruptions.map(\.reason) == ["bad magic number [80, 77, 72, 67]"])
        #expect(try contents(magic) == expected)
    }

    @Test func killWithoutCloseLosesNothingCommitted() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options())
        let expected = try Self.fill(head, scrapes: 77)
        // No close: the chunk buffer was never written; only the log's writes reached the kernel.
        #expect(try dir.size(dir.path + "/chunks_head/000000") == 0)
        let reopened = try Head.open(directory: dir.path, options: Self.options())
        #expect(try contents(reopened) == expected)
        // After a flush but still no close, the chunks are used.
        reopened.headChunks!.flush()
        let third = try Head(directory: dir.path, options: Self.options())
        let report = try third.replayWAL()
        #expect(report.mappedChunks == 5 * 7 && report.chunkFileCorruptions.isEmpty)
        #expect(try contents(third) == expected)
        _ = head
    }

    @Test func truncationDeletesOldFilesAndRestartKeepsWhatTheHeadKept() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        try Self.fill(head, scrapes: 200)
        head.headChunks!.flush()
        let before = try Self.chunkFiles(dir)
        let usageBefore = head.diskUsage()
        let cut = Self.start + 120 * 15_000 + 1
        head.truncate(before: cut)
        let after = try Self.chunkFiles(dir)
        #expect(after.count < before.count && after.last == before.last)
        #expect(head.diskUsage() < usageBefore)
        for file in before where !after.contains(file) {
            #expect(head.headChunks!.state.withLock { $0.files.allSatisfy { $0.path.hasSuffix(file) == false } })
        }
        let kept = try contents(head)
        #expect(kept.values.allSatisfy { $0.first!.t == Self.start + 120 * 15_000 })
        try head.close()
        let reopened = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        #expect(try contents(reopened) == kept)
    }

    @Test func deletedSamplesStayDeletedAcrossRestarts() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options())
        var expected = try Self.fill(head, series: 2, scrapes: 60)
        let (lo, hi) = (Self.start + 150_000, Self.start + 450_000)
        let deleted = try head.deleteSeries(matching: [try LabelMatcher(.equal, "s", "0")], mint: lo, maxt: hi)
        #expect(deleted.samples == 21)
        expected[metric("m", ["s": "0"])]!.removeAll { $0.t >= lo && $0.t <= hi }
        #expect(try contents(head) == expected)
        expected.merge(try Self.fill(head, series: 2, scrapes: 30, from: 60)) { $0 + $1 }
        #expect(try Self.memSeries(head, 0).chunks.withLock { $0.mapped.isEmpty && $0.keepInMemory })
        try head.close()
        let reopened = try Head.open(directory: dir.path, options: Self.options())
        #expect(try contents(reopened) == expected)
        try reopened.close()
        let third = try Head.open(directory: dir.path, options: Self.options())
        #expect(try contents(third) == expected)
    }

    @Test func aQueryKeepsReadingChunksWhoseFileATruncationDeleted() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        let expected = try Self.fill(head, series: 2, scrapes: 100)
        head.headChunks!.flush()
        let set = try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: [])
        let files = try Self.chunkFiles(dir)
        head.truncate(before: Self.start + 80 * 15_000)
        #expect(try Self.chunkFiles(dir).count < files.count)
        var read: [Labels: [RawSample]] = [:]
        while let series = try set.next() {
            let it = series.makeIterator()
            while it.next() { read[series.labels, default: []].append(RawSample(it.timestamp, it.value)) }
        }
        #expect(read == expected)
    }

    /// Kibibytes of this process's resident set in its mappings of `path` (/proc/self/smaps).
    static func residentKiB(of path: String) throws -> Int {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        // procfs files report size 0: read to the end rather than by the size.
        let smaps = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        defer { try? smaps.close() }
        let lines = String(decoding: try smaps.readToEnd() ?? Data(), as: UTF8.self).split(separator: "\n")
        var inMapping = false
        var total = 0
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), !first.hasSuffix(":") {
                inMapping = fields.count >= 6 && fields[5...].joined(separator: " ") == target
            } else if inMapping, fields.first == "Rss:", fields.count >= 2 {
                total += Int(fields[1]) ?? 0
            }
        }
        return total
    }

    @Test func truncationTakesTheChunkPagesAQueryReadOutOfTheResidentSet() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options())
        let expected = try Self.fill(head, series: 1000, scrapes: 95)
        head.headChunks!.flush()
        let file = dir.path + "/chunks_head/000000"
        #expect(try contents(head) == expected)  // every closed chunk read through the map
        let read = try Self.residentKiB(of: file)
        #expect(read >= 128, "9,000 chunk records read should leave their pages resident, found \(read) KiB")
        head.truncate(before: Self.start)  // nothing is older: the file stays, its pages go
        #expect(try Self.chunkFiles(dir) == ["000000"])
        #expect(try Self.residentKiB(of: file) == 0)
        #expect(try contents(head) == expected)  // and come back from the page cache when read
        #expect(try Self.residentKiB(of: file) >= read)
    }

    @Test func compactionReadsChunkFilesWithoutMappingTheirPages() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path, options: Self.options(perChunk: 100))
        // Random doubles make chunks of about 1 KiB (more than one read), constants of a few bytes.
        var rng = SystemRandomNumberGenerator()
        var expected: [Labels: [RawSample]] = [:]
        for scrape in 0..<450 {
            let t = Self.start + Timestamp(scrape) * 15_000
            var batch: [(Labels, Timestamp, Double)] = []
            for s in 0..<200 {
                let value = s % 2 == 0 ? Double.random(in: 0..<1, using: &rng) : 42
                batch.append((metric("m", ["s": "\(s)"]), t, value))
            }
            try commit(head, batch)
            for (labels, t, v) in batch { expected[labels, default: []].append(RawSample(t, v)) }
        }
        head.headChunks!.flush()
        let file = dir.path + "/chunks_head/000000"
        head.headChunks!.releaseResidentPages()
        let series = Array(head.blockSeries(mint: Self.start, maxt: Self.start + 450 * 15_000))
        #expect(try Self.residentKiB(of: file) == 0)
        #expect(series.count == 200)
        for entry in series {
            #expect(entry.chunks.count >= 4)  // 100 samples or a 2 h boundary each; all but the last in the file
            #expect(entry.chunks.contains { $0.bytes.count > 300 } == (entry.labels["s"].map { Int($0)! % 2 == 0 } ?? false))
            var read: [RawSample] = []
            for chunk in entry.chunks {
                var it = XORIterator(bytes: chunk.bytes)
                while it.next() { read.append(RawSample(it.timestamp, it.value)) }
            }
            #expect(read == expected[entry.labels])
        }
    }

    @Test func chunksStayInMemoryWhileNoFileCanBeCreatedAndGoToDiskInOrderAfterwards() throws {
        let dir = try DataDirectory()
        let log = CapturedLog()
        let head = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000), logger: log.logger)
        var expected = try Self.fill(head, series: 1, scrapes: 25)
        let chunksDir = dir.path + "/chunks_head"
        // Finish the current file, then take the directory away: the next file cannot be created.
        head.headChunks!.flush()
        head.headChunks!.state.withLock { $0.current = nil }
        try FileManager.default.removeItem(atPath: chunksDir)
        expected.merge(try Self.fill(head, series: 1, scrapes: 30, from: 25)) { $0 + $1 }
        let series = try Self.memSeries(head, 0)
        #expect(series.chunks.withLock { ($0.mapped.count, $0.closed.count) } == (2, 3))
        #expect(head.headChunks!.failures.load(ordering: .relaxed) == 3)
        #expect(log.all.first?.message == "cannot create head chunk file; keeping chunks in memory")
        #expect(log.all.first?.metadata["err"]?.hasPrefix("create \(chunksDir)/000001: No such file or directory") == true)
        #expect(try contents(head) == expected)
        // Space is back: the next cut writes the held chunks first, oldest first.
        try FileManager.default.createDirectory(atPath: chunksDir, withIntermediateDirectories: false)
        expected.merge(try Self.fill(head, series: 1, scrapes: 10, from: 55)) { $0 + $1 }
        #expect(series.chunks.withLock { ($0.mapped.count, $0.closed.count) } == (6, 0))
        #expect(try contents(head) == expected)
        try head.close()
        let reopened = try Head.open(directory: dir.path, options: Self.options(fileSize: 1000))
        #expect(try contents(reopened) == expected)
    }
}
