import Testing
@testable import TSDB

/// Randomised round-trip properties over every combination of timestamp and value shape.
@Suite struct PropertyTests {
    static let shapes: [(TimeShape, ValueShape)] = TimeShape.allCases.flatMap { t in ValueShape.allCases.map { (t, $0) } }

    @Test(arguments: shapes)
    func roundTrip(_ timeShape: TimeShape, _ valueShape: ValueShape) throws {
        let seed = TimeShape.allCases.firstIndex(of: timeShape)! * 16 + ValueShape.allCases.firstIndex(of: valueShape)!
        var rng = SplitMix64(seed: UInt64(seed))
        for iteration in 0..<60 {
            let n = [1, 2, 3, 120, Int.random(in: 1...400, using: &rng)][iteration % 5]
            let samples = zip(timestamps(timeShape, count: n, using: &rng), values(valueShape, count: n, using: &rng))
                .map { RawSample($0, $1) }
            let chunk = makeChunk(samples)
            let decoded = decodeAll(chunk)
            #expect(decoded.error == nil)
            #expect(decoded.samples == samples)
            #expect(chunk.count == n)
            #expect(chunk.minTime == samples.first?.t && chunk.maxTime == samples.last?.t)

            let restored = try XORChunk(bytes: chunk.bytes)
            #expect(restored == chunk)
            #expect(restored.count == chunk.count && restored.minTime == chunk.minTime && restored.maxTime == chunk.maxTime)

            // Restoring a prefix and appending the rest reproduces the same bytes.
            let split = Int.random(in: 0...n, using: &rng)
            var continued = try XORChunk(bytes: makeChunk(Array(samples[..<split])).bytes)
            for s in samples[split...] { continued.append(s.t, s.value) }
            #expect(continued.bytes == chunk.bytes)
        }
    }

    @Test func mixedSeriesManyIterations() throws {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<1500 {
            let samples = randomSeries(count: Int.random(in: 1...240, using: &rng), using: &rng)
            let chunk = makeChunk(samples)
            #expect(decodeAll(chunk).samples == samples)
            #expect(try XORChunk(bytes: chunk.bytes).bytes == chunk.bytes)
        }
    }

    @Test func bitStreamRoundTrip() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<500 {
            var writer = BitWriter()
            var fields: [(UInt64, Int)] = []
            for _ in 0..<Int.random(in: 0...60, using: &rng) {
                let width = Int.random(in: 0...64, using: &rng)
                let value = width == 0 ? 0 : rng.next() >> UInt64(64 - width)
                fields.append((value, width))
                if width == 1 { writer.writeBit(value == 1) } else { writer.writeBits(value | ((rng.next() << 1) << UInt64(max(width - 1, 0))), width) }
            }
            let bits = fields.reduce(0) { $0 + $1.1 }
            #expect(writer.bitCount == bits)
            #expect(writer.bytes.count == (bits + 7) / 8)
            var reader = BitReader(bytes: writer.bytes)
            for (value, width) in fields {
                let read = width == 1 ? (reader.readBit() ? 1 : 0) : reader.readBits(width)
                #expect(read == value)
            }
            #expect(!reader.overrun)
            #expect(reader.remainingBits == writer.bytes.count * 8 - bits)
            _ = reader.readBits(reader.remainingBits + 1)
            #expect(reader.overrun)
        }
    }
}
