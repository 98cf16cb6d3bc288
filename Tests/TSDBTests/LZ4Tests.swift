import Testing
@testable import TSDB

@Suite struct LZ4Tests {
    @Test func roundTrip() throws {
        var rng = SplitMix64(seed: 4)
        var inputs: [[UInt8]] = [[], [7], Array(repeating: 0, count: 100_000), Array("hello hello hello hello".utf8)]
        for _ in 0..<50 {
            let n = Int.random(in: 0...5000, using: &rng)
            let alphabet = UInt8.random(in: 1...255, using: &rng)  // small alphabets compress well
            inputs.append((0..<n).map { _ in UInt8.random(in: 0...alphabet, using: &rng) })
        }
        inputs.append(makeChunk(randomSeries(count: 120, using: &rng)).bytes)
        for input in inputs {
            let compressed = LZ4.compress(input)
            #expect(try LZ4.decompress(compressed, decompressedSize: input.count) == input)
        }
        #expect(LZ4.compress(Array(repeating: 0, count: 100_000)).count < 1000)
    }

    @Test func corruptInputThrows() {
        let input = Array((0..<4000).map { UInt8(truncatingIfNeeded: $0 * 7 % 251) })
        let compressed = LZ4.compress(input)
        #expect(throws: LZ4Error.self) { try LZ4.decompress(Array(compressed.dropLast(5)), decompressedSize: input.count) }
        #expect(throws: LZ4Error.self) { try LZ4.decompress([], decompressedSize: 0) }
        #expect(throws: LZ4Error.invalidSize(-1)) { try LZ4.decompress(compressed, decompressedSize: -1) }
        #expect(throws: LZ4Error.self) { try LZ4.decompress(compressed, decompressedSize: input.count - 1) }
        #expect(throws: LZ4Error.sizeMismatch(expected: input.count + 1, actual: input.count)) {
            try LZ4.decompress(compressed, decompressedSize: input.count + 1)
        }
        var rng = SplitMix64(seed: 0x1A4)
        for _ in 0..<2000 {
            var bad = compressed
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bad[Int.random(in: 0..<bad.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            // Must either throw or produce exactly the requested size; never crash.
            if let out = try? LZ4.decompress(bad, decompressedSize: input.count) { #expect(out.count == input.count) }
            let garbage = (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let out = try? LZ4.decompress(garbage, decompressedSize: 256) { #expect(out.count == 256) }
        }
        #expect(LZ4Error.corrupt(inputLength: 10, code: -4).description.contains("corrupt"))
    }
}
