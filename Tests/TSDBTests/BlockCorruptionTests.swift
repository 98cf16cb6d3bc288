import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// Damaged blocks fail with a `BlockError` naming the file, the byte offset and what is wrong.
@Suite struct BlockCorruptionTests {
    static let ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV"

    /// A small valid block of 40 series in `dir`; returns its directory.
    static func writeBlock(_ dir: BlockTestDirectory, segmentSize: Int = 1 << 20) throws -> String {
        var rng = SplitMix64(seed: 99)
        let series = randomTestSeries(count: 40, minTime: 0, maxTime: 7_200_000, maxSamples: 200, using: &rng)
        _ = try BlockWriter.write(parent: dir.path, ulid: ulid, minTime: 0, maxTime: 7_200_000, level: 1, sources: nil,
                                  series: blockSeries(series), segmentSize: segmentSize)
        return dir.path + "/" + ulid
    }

    static func expectOpenFails(_ block: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do throws(BlockError) {
            let opened = try Block.open(block)
            opened.close()
            Issue.record("opened a damaged block; expected: \(message)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description == message, sourceLocation: sourceLocation)
            #expect(error.kind == .corrupt, sourceLocation: sourceLocation)
        }
    }

    @Test func truncatedIndex() throws {
        let dir = try BlockTestDirectory()
        let block = try Self.writeBlock(dir)
        let index = block + "/index"
        let size = try dir.size(index)
        try truncateFile(index, to: size - 10)
        Self.expectOpenFails(block, "\(index) at byte \(size - 10 - 84): table of contents checksum mismatch (truncated or damaged index)")
        try truncateFile(index, to: 50)
        Self.expectOpenFails(block, "\(index): file is 50 bytes, shorter than its header and table of contents (92 bytes)")
    }

    @Test func flippedByteInEachIndexSection() throws {
        let dir = try BlockTestDirectory()
        let block = try Self.writeBlock(dir)
        let index = block + "/index"
        let sections = try indexSections(index)
        let names = ["symbols", "series", "postings", "label index", "chunk segments"]
        for (number, section) in sections.enumerated() {
            let target = section.offset + section.length / 2
            try flipByte(index, at: target)
            Self.expectOpenFails(block, "\(index) at byte \(section.offset): \(names[number]) section checksum mismatch (\(section.length) bytes)")
            try flipByte(index, at: target)
            // The stored checksum after the section is guarded too.
            try flipByte(index, at: section.offset + section.length + 1)
            Self.expectOpenFails(block, "\(index) at byte \(section.offset): \(names[number]) section checksum mismatch (\(section.length) bytes)")
            try flipByte(index, at: section.offset + section.length + 1)
        }
        let size = try dir.size(index)
        try flipByte(index, at: size - 30)
        Self.expectOpenFails(block, "\(index) at byte \(size - 84): table of contents checksum mismatch (truncated or damaged index)")
        try flipByte(index, at: size - 30)
        try flipByte(index, at: 1)
        Self.expectOpenFails(block, "\(index) at byte 0: not a block index (bad magic number)")
        try flipByte(index, at: 1)
        try Block.open(block).close()
    }

    @Test func truncatedOrExtendedOrMissingChunkFile() throws {
        let dir = try BlockTestDirectory()
        let block = try Self.writeBlock(dir, segmentSize: 4096)
        let segment = block + "/chunks/000001"
        let size = try dir.size(segment)
        try truncateFile(segment, to: size - 7)
        Self.expectOpenFails(block, "\(segment) at byte \(size - 7): file ends here but the index expects \(size) bytes (truncated)")
        try truncateFile(segment, to: size + 3)
        Self.expectOpenFails(block, "\(segment) at byte \(size): 3 bytes after the end the index records")
        try truncateFile(segment, to: size)
        try flipByte(segment, at: 2)
        Self.expectOpenFails(block, "\(segment) at byte 0: not a chunk segment (bad magic number)")
        try flipByte(segment, at: 2)
        let second = block + "/chunks/000002"
        let secondSize = try dir.size(second)
        try FileManager.default.removeItem(atPath: second)
        Self.expectOpenFails(block, "\(second): missing; the index expects a chunk segment of \(secondSize) bytes")
    }

    @Test func flippedByteInAChunkFailsTheRead() throws {
        let dir = try BlockTestDirectory()
        let block = try Self.writeBlock(dir)
        let segment = block + "/chunks/000001"
        try flipByte(segment, at: 12)  // inside the first record's chunk data
        let opened = try Block.open(block)  // chunk records are checked when read
        defer { opened.close() }
        let message = "\(segment) at byte 8: chunk checksum mismatch"
        let sequence = opened.allSeries()
        #expect(Array(sequence).isEmpty)
        #expect(sequence.error?.description == message)
        let set = try opened.querier(mint: 0, maxt: 7_200_000).select(sorted: true, hints: nil, matchers: [])
        do {
            _ = try drain(set)
            Issue.record("read a damaged chunk")
        } catch let error as BlockError {
            #expect(error.description == message)
        }
        // Labels come from the index alone and stay readable.
        #expect(try opened.querier(mint: 0, maxt: 7_200_000).labelNames(matchers: []).contains("job"))
    }

    @Test func badMeta() throws {
        let dir = try BlockTestDirectory()
        let block = try Self.writeBlock(dir)
        let meta = block + "/meta.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: meta))
        let text = String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2")
        try Data(text.utf8).write(to: URL(fileURLWithPath: meta))
        Self.expectOpenFails(block, "\(meta): unsupported block version 2")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: meta))
        #expect(throws: BlockError.self) { try Block.open(block) }
        try FileManager.default.removeItem(atPath: meta)
        #expect(throws: BlockError(io: meta, message: "open \(meta): No such file or directory")) { try Block.open(block) }
    }
}

/// Bad input to the writer is refused with the exact reason, and leaves no directory behind.
@Suite struct BlockWriterInputTests {
    static let ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV"

    static func expectRefused(_ series: [BlockSeries], minTime: Int64 = 0, maxTime: Int64 = 100,
                              _ expected: (String) -> BlockError, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try BlockTestDirectory()
        #expect(throws: expected(dir.path + "/" + ulid), sourceLocation: sourceLocation) {
            try BlockWriter.write(parent: dir.path, ulid: ulid, minTime: minTime, maxTime: maxTime, level: 1, sources: nil,
                                  series: series, segmentSize: 1 << 20)
        }
        #expect(try dir.entries() == [], sourceLocation: sourceLocation)
    }

    static func series(_ name: String, _ chunks: [BlockChunk]) -> BlockSeries { BlockSeries(labels: Labels(["a": name]), chunks: chunks) }
    static func chunk(_ times: Int64...) -> BlockChunk { blockChunks(times.map { RawSample($0, 1) }, perChunk: 1000)[0] }

    @Test func emptyBlockIsRefused() throws {
        try Self.expectRefused([]) { BlockError(.empty, path: $0 + ".tmp", "no series with chunks: an empty block is not written") }
        try Self.expectRefused([Self.series("1", [])]) {
            BlockError(.empty, path: $0 + ".tmp", "no series with chunks: an empty block is not written")
        }
    }

    @Test func unsortedOrDuplicateSeries() throws {
        try Self.expectRefused([Self.series("2", [Self.chunk(1)]), Self.series("1", [Self.chunk(1)])]) {
            BlockError(.invalidInput, path: $0 + ".tmp",
                       "series 1 {a=\"1\"}: not after the previous series {a=\"2\"}; series must be sorted by labels and unique")
        }
        try Self.expectRefused([Self.series("1", [Self.chunk(1)]), Self.series("1", [Self.chunk(2)])]) {
            BlockError(.invalidInput, path: $0 + ".tmp",
                       "series 1 {a=\"1\"}: not after the previous series {a=\"1\"}; series must be sorted by labels and unique")
        }
        try Self.expectRefused([BlockSeries(labels: .empty, chunks: [Self.chunk(1)])]) {
            BlockError(.invalidInput, path: $0 + ".tmp", "series 0 {}: empty label set")
        }
    }

    @Test func chunksOutOfRangeOrOverlapping() throws {
        try Self.expectRefused([Self.series("1", [Self.chunk(5, 100)])]) {
            BlockError(.invalidInput, path: $0 + ".tmp", "series 0 {a=\"1\"}: chunk 0 [5, 100] is outside the block range [0, 100)")
        }
        try Self.expectRefused([Self.series("1", [Self.chunk(-1, 5)])]) {
            BlockError(.invalidInput, path: $0 + ".tmp", "series 0 {a=\"1\"}: chunk 0 [-1, 5] is outside the block range [0, 100)")
        }
        try Self.expectRefused([Self.series("1", [Self.chunk(1, 7), Self.chunk(7, 9)])]) {
            BlockError(.invalidInput, path: $0 + ".tmp",
                       "series 0 {a=\"1\"}: chunk 1 starts at 7, not after the previous chunk's end 7")
        }
        try Self.expectRefused([Self.series("1", [BlockChunk(minTime: 9, maxTime: 3, bytes: Self.chunk(3, 9).bytes)])]) {
            BlockError(.invalidInput, path: $0 + ".tmp", "series 0 {a=\"1\"}: chunk 0 has minTime 9 after maxTime 3")
        }
        try Self.expectRefused([Self.series("1", [BlockChunk(minTime: 1, maxTime: 1, bytes: [0])])]) {
            BlockError(.invalidInput, path: $0 + ".tmp", "series 0 {a=\"1\"}: chunk 0 holds no samples (1 bytes)")
        }
        try Self.expectRefused([Self.series("1", [Self.chunk(1)])], minTime: 10, maxTime: 10) {
            BlockError(.invalidInput, path: $0, "block range [10, 10) is empty")
        }
    }
}
