import Testing
@testable import TSDB

/// Bad bytes must produce a `ChunkError`, never a crash or a silent success with wrong length.
@Suite struct CorruptionTests {
    static func sampleChunk(seed: UInt64, count: Int = 120) -> XORChunk {
        var rng = SplitMix64(seed: seed)
        return makeChunk(randomSeries(count: count, using: &rng))
    }

    @Test func shortHeader() {
        for bytes in [[], [0x00]] as [[UInt8]] {
            #expect(throws: ChunkError.truncatedHeader(length: bytes.count)) { try XORChunk(bytes: bytes) }
            var it = XORIterator(bytes: bytes)
            do { let moved = it.next(); #expect(!moved) }
            #expect(it.error == .truncatedHeader(length: bytes.count))
            do { let moved = it.seek(0); #expect(!moved) }
        }
    }

    @Test func everyTruncationIsReported() {
        for seed in 0..<40 as Range<UInt64> {
            let bytes = Self.sampleChunk(seed: seed, count: Int(seed % 7) * 20 + 1).bytes
            for length in 2..<bytes.count {
                let prefix = Array(bytes[..<length])
                #expect(throws: ChunkError.self) { try XORChunk(bytes: prefix) }
                let decoded = decodeAll(bytes: prefix)
                guard case .truncated(_, let byte)? = decoded.error else {
                    Issue.record("length \(length): expected truncation, got \(String(describing: decoded.error))")
                    continue
                }
                #expect(byte == length)
            }
        }
    }

    @Test func trailingBytesAndPadding() throws {
        let chunk = makeChunk([RawSample(1000, 1), RawSample(16000, 2), RawSample(31000, 3)])
        #expect(throws: ChunkError.trailingBytes(byte: chunk.bytes.count, length: chunk.bytes.count + 1)) {
            try XORChunk(bytes: chunk.bytes + [0])
        }
        var padded = chunk.bytes
        padded[padded.count - 1] |= 1  // the lowest bit of the last byte is padding here
        #expect(throws: ChunkError.nonZeroPadding(byte: padded.count - 1)) { try XORChunk(bytes: padded) }
        #expect(throws: ChunkError.trailingBytes(byte: 2, length: 3)) { try XORChunk(bytes: [0, 0, 0]) }
    }

    @Test func malformedVarint() {
        let bytes: [UInt8] = [0, 1] + Array(repeating: 0x80, count: 10) + [0x01] + Array(repeating: 0, count: 8)
        #expect(throws: ChunkError.invalidVarint(sample: 0, byte: 2)) { try XORChunk(bytes: bytes) }
        // A 10th byte above 1 overflows 64 bits.
        let overflow: [UInt8] = [0, 1] + Array(repeating: 0xFF, count: 9) + [0x02] + Array(repeating: 0, count: 8)
        #expect(throws: ChunkError.invalidVarint(sample: 0, byte: 2)) { try XORChunk(bytes: overflow) }
    }

    @Test func invalidValueWindows() {
        let first: [UInt8] = [0, 2, 0x00] + Array(repeating: 0, count: 8) + [0x01]  // t=0, v=0, delta 1
        // '10' (reuse window) before any window exists.
        #expect(throws: ChunkError.invalidValueWindow(sample: 1, byte: 12)) { try XORChunk(bytes: first + [0b1000_0000]) }
        // '11', leading 31, significant 40: 71 bits do not fit.
        let control: UInt16 = 0b11 << 14 | 31 << 9 | 40 << 3
        #expect(throws: ChunkError.invalidValueWindow(sample: 1, byte: 13)) {
            try XORChunk(bytes: first + [UInt8(control >> 8), UInt8(control & 0xFF)] + Array(repeating: 0, count: 6))
        }
    }

    @Test func inflatedHeaderCount() {
        var bytes = Self.sampleChunk(seed: 5).bytes
        bytes[1] &+= 5  // each extra sample needs at least 2 bits; padding is at most 7
        #expect(throws: ChunkError.self) { try XORChunk(bytes: bytes) }
        #expect(decodeAll(bytes: bytes).error != nil)
    }

    @Test func randomBitFlipsNeverCrash() {
        var rng = SplitMix64(seed: 0xBAD)
        var rejected = 0
        for iteration in 0..<3000 {
            var bytes = Self.sampleChunk(seed: UInt64(iteration % 50), count: Int.random(in: 1...150, using: &rng)).bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let bit = Int.random(in: 0..<(bytes.count * 8), using: &rng)
                bytes[bit / 8] ^= 1 << UInt8(bit % 8)
            }
            let decoded = decodeAll(bytes: bytes)
            do {
                var chunk = try XORChunk(bytes: bytes)
                #expect(decoded.error == nil)
                #expect(chunk.count == decoded.samples.count)
                #expect(chunk.bytes == bytes)
                if let last = chunk.maxTime, last < .max, !chunk.isFull {
                    chunk.append(last + 1, 1)  // a restored chunk can always continue
                    #expect(decodeAll(chunk).samples.dropLast() == decoded.samples[...])
                }
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(rejected > 0)
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = SplitMix64(seed: 0x6A7BA6E)
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let result = Result { () throws(ChunkError) in try XORChunk(bytes: bytes) }
            if case .success(let chunk) = result { #expect(chunk.bytes == bytes) }
            _ = decodeAll(bytes: bytes)
        }
    }

    @Test func errorMessagesNameTheByte() {
        #expect(ChunkError.truncated(sample: 3, byte: 17).description.contains("byte 17"))
        #expect(ChunkError.invalidVarint(sample: 0, byte: 2).description.contains("byte 2"))
        #expect(ChunkError.nonZeroPadding(byte: 9).description.contains("byte 9"))
        #expect(ChunkError.truncatedHeader(length: 1).description.contains("header"))
    }
}
