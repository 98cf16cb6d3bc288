import MetricModel
import Storage
import Testing
@testable import TSDB

/// How much heap a chunk's bytes take: a head series' open chunk starts small and grows with
/// what it holds; a chunk that stays in memory after closing keeps no unused capacity.
@Suite struct ChunkCapacityTests {
    @Test func reservesWhatItIsAsked() {
        let small = XORChunk(byteCapacity: XORCodec.openChunkByteCapacity)
        #expect(small.bytes == [0, 0])
        #expect(small.byteCapacity >= XORCodec.openChunkByteCapacity)
        #expect(small.byteCapacity < XORCodec.typicalByteCapacity)
        #expect(XORChunk().byteCapacity >= XORCodec.typicalByteCapacity)
        // Even a zero request leaves room for the count header.
        #expect(XORChunk(byteCapacity: 0).bytes == [0, 0])
    }

    @Test func smallStartGrowsAndEncodesTheSame() {
        var small = XORChunk(byteCapacity: XORCodec.openChunkByteCapacity)
        var typical = XORChunk()
        for i in 0..<120 {
            let value = Double(i * i) * 1.000_001
            small.append(Int64(i) * 15_000 + Int64(i % 3), value)
            typical.append(Int64(i) * 15_000 + Int64(i % 3), value)
        }
        #expect(small == typical)
        #expect(small.byteCapacity >= small.bytes.count)
    }

    @Test func shrinkToFitKeepsTheBytesAndCanAppendAfter() throws {
        var chunk = XORChunk()
        for i in 0..<10 { chunk.append(Int64(i) * 1000, Double(i)) }
        let before = chunk.bytes
        chunk.shrinkToFit()
        #expect(chunk.bytes == before)
        #expect(chunk.byteCapacity < XORCodec.typicalByteCapacity)
        chunk.append(10_000, 10)
        var expected = try XORChunk(bytes: before)
        expected.append(10_000, 10)
        #expect(chunk == expected)
    }

    @Test func openChunkOfANewSeriesStartsSmall() throws {
        let head = Head()
        let app = head.appender()
        let ref = try app.append(0, Labels(["__name__": "m"]), 1000, 1)
        try app.commit()
        let series = try #require(head.series(for: [ref]).first)
        let capacity = series.chunks.withLock { $0.open.byteCapacity }
        #expect(capacity < XORCodec.typicalByteCapacity)
    }

    @Test func closedChunkKeptInMemoryHoldsOnlyItsBytes() throws {
        var options = Head.Options()
        options.samplesPerChunk = 30
        let head = Head(options: options)
        var ref: SeriesRef = 0
        for i in 0..<31 {
            let app = head.appender()
            ref = try app.append(ref, Labels(["__name__": "m"]), Int64(i) * 15_000, Double(i % 4))
            try app.commit()
        }
        let series = try #require(head.series(for: [ref]).first)
        let (closed, open) = series.chunks.withLock { ($0.closed, $0.open) }
        #expect(closed.count == 1 && closed[0].count == 30)
        // Capacity is what malloc rounds the exact size up to: well under the typical reservation.
        #expect(closed[0].byteCapacity < closed[0].bytes.count + 16)
        #expect(open.count == 1 && open.byteCapacity < XORCodec.typicalByteCapacity)
        let samples = head.series(for: [ref]).first!.chunks(overlapping: .min, .max).flatMap { chunk in
            var out: [Double] = []
            var it = chunk.makeIterator()
            while it.next() { out.append(it.value) }
            return out
        }
        #expect(samples == (0..<31).map { Double($0 % 4) })
    }
}
