import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct MergeTests {
    func drain(_ it: any SampleIterator) -> [RawSample] {
        var out: [RawSample] = []
        while it.next() { out.append(RawSample(it.timestamp, it.value)) }
        return out
    }

    @Test func mergesByTimeAndTheLastSourceWinsOnEqualTimestamps() {
        let a = ArraySampleIterator(timestamps: [1, 3, 5], values: [10, 30, 50])
        let b = ArraySampleIterator(timestamps: [2, 3, 6], values: [20, 31, 60])
        #expect(drain(MergingSampleIterator([a, b])) == [RawSample(1, 10), RawSample(2, 20), RawSample(3, 31), RawSample(5, 50), RawSample(6, 60)])
    }

    @Test func seekNeverMovesBackwards() {
        let a = ArraySampleIterator(timestamps: [1, 3, 5], values: [10, 30, 50])
        let b = ArraySampleIterator(timestamps: [2, 4, 6], values: [20, 40, 60])
        let merged = MergingSampleIterator([a, b])
        #expect(merged.seek(4) && merged.timestamp == 4)
        #expect(merged.seek(2) && merged.timestamp == 4)
        #expect(merged.next() && merged.timestamp == 5)
        #expect(merged.seek(6) && merged.value == 60)
        #expect(!merged.next())
    }

    @Test func seriesSetsMergeByLabels() throws {
        let x = metric("x"), y = metric("y"), z = metric("z")
        let left = ArraySeriesSet([ArraySeries(labels: x, timestamps: [1], values: [1]), ArraySeries(labels: z, timestamps: [1], values: [1])])
        let right = ArraySeriesSet([ArraySeries(labels: x, timestamps: [2], values: [2]), ArraySeries(labels: y, timestamps: [2], values: [2])])
        let merged = try MergeSeriesSet([left, right]).collect()
        #expect(merged.map(\.labels) == [x, y, z])
        #expect(drain(merged[0].makeIterator()).map(\.t) == [1, 2])
    }

    /// Bulk reads of a merged series equal its iterator's samples, for disjoint, touching,
    /// overlapping and empty parts in any order, over any window.
    @Test func mergedSeriesAppendsWhatItsIteratorYields() {
        var rng = SplitMix64(seed: 11)
        for round in 0..<3_000 {
            let count = Int.random(in: 1...5, using: &rng)
            var parts: [any Series] = []
            for p in 0..<count {
                // Half the rounds: disjoint ranges in shuffled order (blocks and head); else random overlap.
                let base = round % 2 == 0 ? Int64(p) * 100 : Int64.random(in: 0...60, using: &rng)
                let times = Array(Set((0..<Int.random(in: 0...12, using: &rng)).map { _ in
                    base + Int64.random(in: 0...(round % 2 == 0 ? 99 : 60), using: &rng)
                })).sorted()
                parts.append(ArraySeries(labels: metric("m"), timestamps: times, values: times.map { Double($0) * 10 + Double(p) }))
            }
            parts.shuffle(using: &rng)
            let merged = MergedSeries(labels: metric("m"), parts: parts)
            let after = Int64.random(in: -5...300, using: &rng), through = after + Int64.random(in: 0...400, using: &rng)
            var times: [Timestamp] = [], values: [Double] = []
            merged.appendSamples(after: after, through: through, timestamps: &times, values: &values)
            let expected = drain(merged.makeIterator()).filter { $0.t > after && $0.t <= through }
            #expect(times == expected.map(\.t) && values.map(\.bitPattern) == expected.map(\.bits), "round \(round)")
        }
    }

    /// Bulk reads of a block series equal its iterator's samples within the querier's range, over
    /// chunks of every size (past the 128-sample batches), a truncated chunk, and deleted intervals.
    @Test func blockSeriesAppendsWhatItsIteratorYields() {
        var rng = SplitMix64(seed: 5)
        for round in 0..<2_000 {
            var chunks: [BlockChunk] = []
            var t: Int64 = Int64.random(in: -50...50, using: &rng)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                var c = XORChunk()
                var times: [Int64] = []
                for _ in 0..<Int.random(in: 1...(round % 10 == 0 ? 300 : 20), using: &rng) {
                    t += Int64.random(in: 1...15, using: &rng)
                    c.append(t, Double.random(in: -5...5, using: &rng).rounded())
                    times.append(t)
                }
                var bytes = c.bytes
                if round % 17 == 3, bytes.count > 12 { bytes.removeLast(5) }  // decoding stops early
                chunks.append(BlockChunk(minTime: times.first!, maxTime: times.last!, bytes: bytes))
                t += Int64.random(in: 1...30, using: &rng)
            }
            let mint: Timestamp = round % 5 == 0 ? .min : Int64.random(in: -60...t, using: &rng)
            let maxt: Timestamp = round % 7 == 0 ? .max : Int64.random(in: -60...t + 20, using: &rng)
            let deleted = round % 4 == 1
                ? [DeletedInterval(minTime: Int64.random(in: -60...t, using: &rng), maxTime: Int64.random(in: -60...t, using: &rng))]
                : []
            let series = BlockQuerySeries(labels: metric("m"), chunks: chunks, mint: mint, maxt: maxt, deleted: deleted)
            let after = Int64.random(in: -70...t, using: &rng), through = after + Int64.random(in: 0...(t + 100), using: &rng)
            var times: [Timestamp] = [-1], values: [Double] = [-1]
            series.appendSamples(after: after, through: through, timestamps: &times, values: &values)
            let expected = [RawSample(-1, -1)] + drain(series.makeIterator()).filter { $0.t > after && $0.t <= through }
            #expect(times == expected.map(\.t) && values.map(\.bitPattern) == expected.map(\.bits), "round \(round)")
        }
    }

    func chunk(_ times: [Int64], value: Double = 1) -> BlockChunk {
        var c = XORChunk()
        for t in times { c.append(t, value) }
        return BlockChunk(minTime: times.first!, maxTime: times.last!, bytes: c.bytes)
    }

    @Test func blockMergerPassesDisjointChunksThroughAndReencodesOverlaps() {
        let disjoint = BlockMerger.combine([chunk([10, 20]), chunk([1, 2])], samplesPerChunk: 120)
        #expect(disjoint.map(\.minTime) == [1, 10])
        let overlapping = BlockMerger.combine([chunk([1, 3, 5], value: 1), chunk([3, 4], value: 2)], samplesPerChunk: 2)
        #expect(overlapping.map { [$0.minTime, $0.maxTime] } == [[1, 3], [4, 5]])
        #expect(decodeAll(bytes: overlapping[0].bytes).samples == [RawSample(1, 1), RawSample(3, 2)])
    }

    @Test func blockMergerJoinsSortedInputsByLabels() {
        let a = [BlockSeries(labels: metric("a"), chunks: [chunk([1])]), BlockSeries(labels: metric("c"), chunks: [chunk([1])])]
        let b = [BlockSeries(labels: metric("b"), chunks: [chunk([2])]), BlockSeries(labels: metric("c"), chunks: [chunk([2])])]
        let merged = Array(BlockMerger([AnySequence(a), AnySequence(b)]))
        #expect(merged.map(\.labels) == [metric("a"), metric("b"), metric("c")])
        #expect(merged[2].chunks.map(\.minTime) == [1, 2])
    }
}

@Suite struct CompactionPlannerTests {
    func meta(_ mint: Int64, _ maxt: Int64, _ name: String) -> BlockMeta {
        BlockMeta(ulid: name, minTime: mint, maxTime: maxt, stats: .init(numSamples: 0, numSeries: 0, numChunks: 0), compaction: .init(level: 1, sources: [name]))
    }
    let ranges: [Int64] = [10, 30, 90]

    @Test func overlappingBlocksComeFirst() {
        #expect(CompactionPlanner.plan([meta(0, 10, "a"), meta(5, 15, "b"), meta(20, 30, "c")], ranges: ranges) == ["a", "b"])
    }

    @Test func aCompleteWindowIsMergedButTheNewestBlockIsLeftAlone() {
        #expect(CompactionPlanner.plan([meta(0, 10, "a"), meta(10, 20, "b")], ranges: ranges) == nil)
        #expect(CompactionPlanner.plan([meta(0, 10, "a"), meta(10, 20, "b"), meta(20, 30, "c")], ranges: ranges) == nil)
        #expect(CompactionPlanner.plan([meta(0, 10, "a"), meta(10, 20, "b"), meta(20, 30, "c"), meta(30, 40, "d")], ranges: ranges) == ["a", "b", "c"])
    }

    @Test func anIncompleteWindowIsMergedOnceANewerBlockIsPastIt() {
        // [0,30) holds a and c (b is missing); d starts past 30, so the window is closed.
        #expect(CompactionPlanner.plan([meta(0, 10, "a"), meta(20, 30, "c"), meta(40, 50, "d"), meta(50, 60, "e")], ranges: ranges) == ["a", "c"])
        // Levels: three 30-wide blocks in [0,90) plus a newer one merge at the next range.
        #expect(CompactionPlanner.plan([meta(0, 30, "a"), meta(30, 60, "b"), meta(60, 90, "c"), meta(90, 100, "d")], ranges: ranges) == ["a", "b", "c"])
    }
}
