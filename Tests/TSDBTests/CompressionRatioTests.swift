import Testing
@testable import TSDB

/// Size on scrape-shaped data. Measured figures are recorded in docs/format/chunks.md.
@Suite struct CompressionRatioTests {
    static func bytesPerSample(jitter: (inout SplitMix64) -> Int64, increment: (inout SplitMix64) -> Double) -> Double {
        var rng = SplitMix64(seed: 2015)
        var total = 0
        let chunks = 200
        for c in 0..<chunks {
            var chunk = XORChunk()
            var value = Double(Int.random(in: 0...1_000_000, using: &rng))
            let start: Int64 = 1_700_000_000_000 + Int64(c) * 1_800_000
            for i in 0..<120 {
                value += increment(&rng)
                chunk.append(start + Int64(i) * 15_000 + jitter(&rng), value)
            }
            total += chunk.bytes.count
        }
        return Double(total) / Double(chunks * 120)
    }

    @Test func regularCountersAreCompact() {
        let none: (inout SplitMix64) -> Int64 = { _ in 0 }
        let rare: (inout SplitMix64) -> Int64 = {  // 1 in 10 scrapes off by up to ±3 ms
            Int.random(in: 0..<10, using: &$0) == 0 ? Int64.random(in: -3...3, using: &$0) : 0
        }
        let every: (inout SplitMix64) -> Int64 = { Int64.random(in: -2...2, using: &$0) }
        let shapes: [(String, (inout SplitMix64) -> Int64, (inout SplitMix64) -> Double)] = [
            ("counter +0...5", none, { Double(Int.random(in: 0...5, using: &$0)) }),
            ("counter +0...10", none, { Double(Int.random(in: 0...10, using: &$0)) }),
            ("counter +0...50", none, { Double(Int.random(in: 0...50, using: &$0)) }),
            ("counter +0...500", none, { Double(Int.random(in: 0...500, using: &$0)) }),
            ("counter moving 1 in 4 scrapes", none, {
                Int.random(in: 0..<4, using: &$0) == 0 ? Double(Int.random(in: 1...5, using: &$0)) : 0
            }),
            ("constant", none, { _ in 0 }),
            ("cpu seconds +0.01*k", none, { Double(Int.random(in: 0...20, using: &$0)) * 0.01 }),
            ("counter +0...10, rare ±3ms jitter", rare, { Double(Int.random(in: 0...10, using: &$0)) }),
            ("counter +0...10, ±2ms jitter always", every, { Double(Int.random(in: 0...10, using: &$0)) }),
        ]
        var results: [String: Double] = [:]
        for (name, jitter, increment) in shapes {
            results[name] = Self.bytesPerSample(jitter: jitter, increment: increment)
            print("bytes/sample, 120 samples/chunk, 15s interval: \(name): \(results[name]!)")
        }
        // Figures at the time of writing: 1.43, 1.62, 1.96, 0.70, 0.40 (see docs/format/chunks.md).
        #expect(results["counter +0...5"]! < 1.5)
        #expect(results["counter +0...10"]! < 1.7)
        #expect(results["counter +0...50"]! < 2.0)
        #expect(results["counter moving 1 in 4 scrapes"]! < 1.0)
        #expect(results["constant"]! < 0.5)
    }
}
