import MetricModel
import Testing
@testable import TSDB

@Suite struct XORChunkTests {
    @Test func emptyChunk() throws {
        let chunk = XORChunk()
        #expect(chunk.bytes == [0, 0])
        #expect(chunk.count == 0)
        #expect(chunk.minTime == nil && chunk.maxTime == nil)
        var it = chunk.makeIterator()
        do { let moved = it.next(); #expect(!moved) }
        #expect(it.error == nil)
        do { let moved = it.seek(.min); #expect(!moved) }
        #expect(try XORChunk(bytes: [0, 0]) == chunk)
    }

    @Test func oneSample() throws {
        var chunk = XORChunk()
        chunk.append(-7, 3.5)
        #expect(chunk.count == 1)
        #expect(chunk.minTime == -7 && chunk.maxTime == -7)
        // header, zig-zag varint of -7 (13), then the 8 raw bytes of 3.5.
        #expect(chunk.bytes == [0, 1, 13, 0x40, 0x0C, 0, 0, 0, 0, 0, 0])
        #expect(decodeAll(chunk).samples == [RawSample(-7, 3.5)])
    }

    @Test func twoSamples() {
        let samples = [RawSample(1000, 1), RawSample(16000, 1)]
        let chunk = makeChunk(samples)
        #expect(chunk.minTime == 1000 && chunk.maxTime == 16000)
        #expect(decodeAll(chunk).samples == samples)
        // Second sample: delta 15000 as uvarint (0x98 0x75) and a single '0' bit for the unchanged value.
        #expect(Array(chunk.bytes.suffix(3)) == [0x98, 0x75, 0x00])
    }

    /// The worked example in docs/format/chunks.md.
    @Test func workedExampleBytes() {
        let chunk = makeChunk([RawSample(1000, 1), RawSample(16000, 2), RawSample(31000, 3), RawSample(46002, 3)])
        #expect(chunk.bytes == [
            0x00, 0x04,
            0xD0, 0x0F,
            0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x98, 0x75,
            0xC2, 0x5F, 0xFF, 0x6C, 0x07, 0x02, 0x00,
        ])
        #expect(decodeAll(chunk).samples.map(\.t) == [1000, 16000, 31000, 46002])
    }

    @Test(arguments: [1, 2, 3, 120, 5000, XORChunk.maxSamples])
    func sizes(_ n: Int) throws {
        var rng = SplitMix64(seed: UInt64(n))
        let samples = zip(timestamps(.jittered, count: n, using: &rng), values(.mixed, count: n, using: &rng))
            .map { RawSample($0, $1) }
        let chunk = makeChunk(samples)
        #expect(chunk.count == n)
        #expect(chunk.bytes[0] == UInt8(n >> 8) && chunk.bytes[1] == UInt8(n & 0xFF))
        let decoded = decodeAll(chunk)
        #expect(decoded.error == nil)
        #expect(decoded.samples == samples)
        #expect(try XORChunk(bytes: chunk.bytes) == chunk)
        if n == XORChunk.maxSamples { #expect(chunk.isFull) }
    }

    @Test func specialValuesBitExact() throws {
        var samples: [RawSample] = []
        var t: Int64 = -1_000
        for (i, v) in specialValues.enumerated() {
            var rng = SplitMix64(seed: UInt64(i))
            for w in specialValues.shuffled(using: &rng) {
                samples.append(RawSample(t, v)); t += 15_000
                samples.append(RawSample(t, w)); t += 15_000
            }
        }
        let chunk = makeChunk(samples)
        let decoded = decodeAll(chunk).samples
        #expect(decoded == samples)
        // The staleness marker stays distinct from an ordinary NaN.
        let stale = decoded.filter { $0.value.isStaleMarker }
        #expect(stale.count == samples.filter { $0.value.isStaleMarker }.count)
        #expect(!stale.isEmpty)
        #expect(decoded.contains { $0.value.isNaN && !$0.value.isStaleMarker })
        #expect(decoded.contains { $0.bits == (-0.0).bitPattern })
    }

    @Test func extremeTimestamps() {
        let cases: [[Int64]] = [
            [.min, .max],
            [.min, .min + 1, .max],
            [.min, .max - 1, .max],
            [.min, 0, .max],
            [-1, 0, 1, .max],
            [.min, .min + 1, .min + 2, .min + 3],
            [.max - 2, .max - 1, .max],
        ]
        for ts in cases {
            let samples = ts.map { RawSample($0, 1) }
            let chunk = makeChunk(samples)
            #expect(decodeAll(chunk).samples == samples, "\(ts)")
            #expect(chunk.minTime == ts.first && chunk.maxTime == ts.last)
        }
    }

    @Test func restoreThenAppendMatchesAppendingAllAtOnce() throws {
        var rng = SplitMix64(seed: 42)
        let samples = zip(timestamps(.mostlyRegular, count: 120, using: &rng), values(.gauge, count: 120, using: &rng))
            .map { RawSample($0, $1) }
        let full = makeChunk(samples)
        for split in 0...samples.count {
            var restored = try XORChunk(bytes: makeChunk(Array(samples[..<split])).bytes)
            #expect(restored.count == split)
            for s in samples[split...] { restored.append(s.t, s.value) }
            #expect(restored.bytes == full.bytes, "split at \(split)")
            #expect(restored.minTime == full.minTime && restored.maxTime == full.maxTime)
        }
    }

    @Test func iteratorDoesNotSeeLaterAppends() {
        var chunk = makeChunk([RawSample(1, 1)])
        var it = chunk.makeIterator()
        chunk.append(2, 2)
        do { let moved = it.next(); #expect(moved) }
        do { let moved = it.next(); #expect(!moved) }
        #expect(it.error == nil)
    }

    @Test func seekSemantics() {
        let samples = (0..<10).map { RawSample(Int64($0) * 10, Double($0)) }  // t = 0, 10, ..., 90
        let chunk = makeChunk(samples)

        var it = chunk.makeIterator()
        do { let moved = it.seek(-100); #expect(moved) }
        #expect(it.timestamp == 0 && it.value == 0)
        do { let moved = it.seek(0); #expect(moved) }
        #expect(it.timestamp == 0)
        do { let moved = it.seek(35); #expect(moved) }
        #expect(it.timestamp == 40 && it.value == 4)
        do { let moved = it.seek(40); #expect(moved) }          // already there: stays
        #expect(it.timestamp == 40)
        do { let moved = it.seek(5); #expect(moved) }           // never moves backwards
        #expect(it.timestamp == 40)
        do { let moved = it.next(); #expect(moved) }
        #expect(it.timestamp == 50)
        do { let moved = it.seek(90); #expect(moved) }
        #expect(it.timestamp == 90 && it.value == 9)
        do { let moved = it.seek(91); #expect(!moved) }
        do { let moved = it.seek(0); #expect(!moved) }          // exhausted stays exhausted
        do { let moved = it.next(); #expect(!moved) }
        #expect(it.error == nil)

        var past = chunk.makeIterator()
        do { let moved = past.seek(.max); #expect(!moved) }
        #expect(past.error == nil)
    }

    @Test func seekMatchesModel() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let samples = randomSeries(count: Int.random(in: 1...200, using: &rng), using: &rng)
            var it = makeChunk(samples).makeIterator()
            var position = -1  // index of the current sample in the model
            for _ in 0..<8 {
                let target = Bool.random(using: &rng)
                    ? samples.randomElement(using: &rng)!.t &+ Int64.random(in: -1...1, using: &rng)
                    : Int64.random(in: .min ... .max, using: &rng)
                var expected = samples.count
                if position >= 0 && position < samples.count && samples[position].t >= target {
                    expected = position
                } else if position < samples.count {
                    expected = samples[(position + 1)...].firstIndex { $0.t >= target } ?? samples.count
                }
                let found = it.seek(target)
                #expect(found == (expected < samples.count))
                if found {
                    #expect(RawSample(it.timestamp, it.value) == samples[expected])
                }
                position = expected
            }
        }
    }
}

