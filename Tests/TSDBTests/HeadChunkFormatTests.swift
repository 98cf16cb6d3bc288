import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// Every malformed head chunk record or header is named exactly.
@Suite struct HeadChunkFormatTests {
    static func record(_ ref: SeriesRef = 7, samples: [RawSample] = [RawSample(-5, 1.5), RawSample(10, 2)]) -> [UInt8] {
        var out: [UInt8] = []
        HeadChunkFormat.encode(ref: ref, chunk: makeChunk(samples), into: &out)
        return out
    }

    static func decode(_ bytes: [UInt8], at offset: Int = 0) -> Result<HeadChunkFormat.Record, HeadChunkFormat.Problem> {
        bytes.withUnsafeBytes { HeadChunkFormat.decode($0, at: offset) }
    }

    /// Rewrites the CRC so that only the field under test is wrong.
    static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array(bytes.dropLast(4))
        withUnsafeBytes(of: CRC32C.checksum(out).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    @Test func aRecordRoundTrips() throws {
        let chunk = makeChunk([RawSample(-5, 1.5), RawSample(10, 2)])
        let bytes = [0xAA] + Self.record()
        let record = try Self.decode(bytes, at: 1).get()
        #expect(record == HeadChunkFormat.Record(ref: 7, minTime: -5, maxTime: 10, sampleCount: 2,
                                                 dataOffset: 1 + 29, dataLength: chunk.bytes.count))
        #expect(Array(bytes[record.dataOffset..<record.dataOffset + record.dataLength]) == chunk.bytes)
        #expect(record.size == bytes.count - 1)
    }

    @Test func badRecordsAreNamed() {
        let good = Self.record()
        #expect(Self.decode(Array(good.prefix(20))) == .failure(.torn(needed: 33, available: 20)))
        #expect(Self.decode(Array(good.dropLast())) == .failure(.torn(needed: good.count, available: good.count - 1)))
        var flipped = good
        flipped[30] ^= 1
        guard case let .failure(.badChecksum(stored, computed)) = Self.decode(flipped) else {
            Issue.record("want a checksum failure")
            return
        }
        #expect(stored != computed)
        var encoding = good
        encoding[24] = 2
        #expect(Self.decode(Self.resealed(encoding)) == .failure(.badEncoding(2)))
        var empty = Array(good.prefix(25)) + [1, 0, 0, 0, 0]
        empty = Self.resealed(empty + [0, 0, 0, 0])
        #expect(Self.decode(empty) == .failure(.badLength(1)))
        var backwards = good
        backwards[8] = 0xFF  // mint becomes far above maxt
        backwards[15] = 0x7F
        #expect(Self.decode(Self.resealed(backwards)) == .failure(.badTimes(minTime: .max, maxTime: 10, samples: 2)))
        #expect(HeadChunkFormat.Problem.badEncoding(2).description == "unknown chunk encoding 2")
        #expect(HeadChunkFormat.Problem.torn(needed: 33, available: 20).description == "torn record: needs 33 bytes, 20 left")
        #expect(HeadChunkFormat.Problem.badLength(1).description == "chunk data length 1 is below the 2-byte sample count")
        #expect(HeadChunkFormat.Problem.badChecksum(stored: 0xab, computed: 0xcd).description == "CRC-32C mismatch: stored 0xab, computed 0xcd")
        #expect(HeadChunkFormat.Problem.badTimes(minTime: 5, maxTime: 1, samples: 2).description == "impossible chunk: mint 5, maxt 1, 2 samples")
    }

    @Test func badHeadersAreNamed() {
        func check(_ bytes: [UInt8]) -> String? { bytes.withUnsafeBytes { HeadChunkFormat.checkHeader($0) } }
        #expect(check(HeadChunkFormat.header) == nil)
        #expect(check([0x45, 0x4D]) == "file header torn: 2 of 8 bytes")
        #expect(check([0, 0, 0, 0, 1, 0, 0, 0]) == "bad magic number [0, 0, 0, 0]")
        #expect(check([0x45, 0x4D, 0x48, 0x43, 9, 0, 0, 0]) == "unsupported version 9")
    }

    @Test func fileNames() {
        #expect(HeadChunkFormat.fileName(7) == "000007")
        #expect(HeadChunkFormat.fileNumber("000123") == 123)
        #expect(HeadChunkFormat.fileNumber("truncated_before") == nil)
        #expect(HeadChunkFormat.fileNumber("00012") == nil)
    }
}
