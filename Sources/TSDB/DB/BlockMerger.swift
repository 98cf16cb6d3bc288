import MetricModel

/// Merges the sorted series of several blocks into one sorted sequence, for compaction.
///
/// Contract: inputs yield series sorted by labels; the output yields each label set once, with
/// the chunks of every input holding it, oldest first. Chunks that do not overlap in time are
/// passed through as they are; overlapping ones are decoded and re-encoded into chunks of up to
/// `samplesPerChunk` samples, keeping one sample per timestamp (the one from the later input).
/// Memory: one series per input at a time.
public struct BlockMerger: Sequence {
    let inputs: [AnySequence<BlockSeries>]
    let samplesPerChunk: Int

    public init(_ inputs: [AnySequence<BlockSeries>], samplesPerChunk: Int = 120) {
        self.inputs = inputs
        self.samplesPerChunk = samplesPerChunk
    }

    public func makeIterator() -> AnyIterator<BlockSeries> {
        let iterators = inputs.map { $0.makeIterator() }
        var heads: [BlockSeries?] = iterators.indices.map { iterators[$0].next() }
        return AnyIterator {
            var smallest: Labels?
            for case let series? in heads where smallest == nil || series.labels < smallest! { smallest = series.labels }
            guard let labels = smallest else { return nil }
            var chunks: [BlockChunk] = []
            for index in heads.indices where heads[index]?.labels == labels {
                chunks += heads[index]!.chunks
                heads[index] = iterators[index].next()
            }
            return BlockSeries(labels: labels, chunks: Self.combine(chunks, samplesPerChunk: samplesPerChunk))
        }
    }

    /// Chunks in time order; overlapping runs re-encoded without duplicate timestamps.
    static func combine(_ chunks: [BlockChunk], samplesPerChunk: Int) -> [BlockChunk] {
        // A stable sort keeps later inputs after earlier ones among equal start times.
        let sorted = chunks.enumerated().sorted { ($0.element.minTime, $0.offset) < ($1.element.minTime, $1.offset) }.map(\.element)
        var out: [BlockChunk] = []
        var run: [BlockChunk] = []
        var runEnd = Timestamp.min
        func flush() {
            if run.count == 1 { out.append(run[0]) } else if run.count > 1 { out += reencode(run, samplesPerChunk: samplesPerChunk) }
            run = []
        }
        for chunk in sorted {
            if !run.isEmpty && chunk.minTime > runEnd { flush() }
            run.append(chunk)
            runEnd = run.count == 1 ? chunk.maxTime : Swift.max(runEnd, chunk.maxTime)
        }
        flush()
        return out
    }

    static func reencode(_ run: [BlockChunk], samplesPerChunk: Int) -> [BlockChunk] {
        var byTime: [Timestamp: Double] = [:]
        for chunk in run {
            var iterator = XORIterator(bytes: chunk.bytes)
            while iterator.next() { byTime[iterator.timestamp] = iterator.value }
        }
        var out: [BlockChunk] = []
        var current = XORChunk()
        for t in byTime.keys.sorted() {
            if current.count >= samplesPerChunk {
                out.append(BlockChunk(minTime: current.minTime!, maxTime: current.maxTime!, bytes: current.bytes))
                current = XORChunk()
            }
            current.append(t, byTime[t]!)
        }
        if current.count > 0 { out.append(BlockChunk(minTime: current.minTime!, maxTime: current.maxTime!, bytes: current.bytes)) }
        return out
    }
}
