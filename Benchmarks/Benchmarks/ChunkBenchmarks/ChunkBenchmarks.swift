import Benchmark
import BenchmarkFixtures
import TSDB

// XOR chunk encode and decode, per data shape.
//
// One benchmark iteration handles 1 000 samples of one series: 8 chunks of 125 samples (close to
// Prometheus's 120-sample chunks, and 8 × 125 matches the `.kilo` scaling factor). Time and
// throughput are therefore reported per sample (the `*` columns), and "chunk bytes / 1k samples"
// is the encoded size of those 1 000 samples: divide by 1 000 for bytes per sample.

let samplesPerChunk = 125
let chunksPerIteration = 8

let chunkBytesPer1k = BenchmarkMetric.custom("chunk bytes / 1k samples", polarity: .prefersSmaller,
                                             useScalingFactor: false)

/// The samples of one shape, pre-generated so that generation is never measured.
struct ShapeData {
    let timestamps: [Int64]
    let values: [Double]

    init(_ shape: SampleShape) {
        (timestamps, values) = shape.samples(samplesPerChunk * chunksPerIteration)
    }

    /// Encodes the samples into `chunksPerIteration` chunks.
    func encode() -> [XORChunk] {
        var chunks: [XORChunk] = []
        chunks.reserveCapacity(chunksPerIteration)
        for c in 0..<chunksPerIteration {
            var chunk = XORChunk()
            for i in c * samplesPerChunk..<(c + 1) * samplesPerChunk {
                chunk.append(timestamps[i], values[i])
            }
            chunks.append(chunk)
        }
        return chunks
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, chunkBytesPer1k],
        timeUnits: .nanoseconds,
        units: [chunkBytesPer1k: .count],
        scalingFactor: .kilo,
        maxDuration: .seconds(2)
    )

    for shape in SampleShape.allCases {
        Benchmark("XOR append \(shape.rawValue)", configuration: configuration) { benchmark, data in
            let chunks = data.encode()
            benchmark.stopMeasurement()
            benchmark.measurement(chunkBytesPer1k, chunks.reduce(0) { $0 + $1.bytes.count })
            blackHole(chunks)
        } setup: {
            ShapeData(shape)
        }

        Benchmark("XOR decode \(shape.rawValue)", configuration: configuration) { benchmark, chunks in
            var timestampSum: Int64 = 0
            var valueSum = 0.0
            for chunk in chunks {
                var it = chunk.makeIterator()
                while it.next() {
                    timestampSum &+= it.timestamp
                    valueSum += it.value
                }
            }
            benchmark.stopMeasurement()
            blackHole(timestampSum)
            blackHole(valueSum)
            benchmark.measurement(chunkBytesPer1k, chunks.reduce(0) { $0 + $1.bytes.count })
        } setup: {
            ShapeData(shape).encode()
        }
    }
}
