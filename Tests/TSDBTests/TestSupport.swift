import Foundation
@testable import TSDB
import MetricModel

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator so property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A sample compared bit-exactly (value by bit pattern, so NaN == NaN with the same payload).
struct RawSample: Equatable, CustomStringConvertible {
    var t: Int64
    var bits: UInt64
    init(_ t: Int64, _ v: Double) { self.t = t; self.bits = v.bitPattern }
    var value: Double { Double(bitPattern: bits) }
    var description: String { "(\(t), 0x\(String(bits, radix: 16)))" }
}

func makeChunk(_ samples: [RawSample]) -> XORChunk {
    var chunk = XORChunk()
    for s in samples { chunk.append(s.t, s.value) }
    return chunk
}

/// Decodes every sample; returns them with the iterator's final error.
func decodeAll(_ chunk: XORChunk) -> (samples: [RawSample], error: ChunkError?) {
    var it = chunk.makeIterator()
    var out: [RawSample] = []
    while it.next() { out.append(RawSample(it.timestamp, it.value)) }
    return (out, it.error)
}

/// Same, but straight from bytes (via the iterator; no validation of trailing data).
func decodeAll(bytes: [UInt8]) -> (samples: [RawSample], error: ChunkError?) {
    var it = XORIterator(bytes: bytes)
    var out: [RawSample] = []
    while it.next() { out.append(RawSample(it.timestamp, it.value)) }
    return (out, it.error)
}

// MARK: Generators of timestamp and value shapes

enum TimeShape: CaseIterable {
    case regular, jittered, mostlyRegular, irregular, negative, hugeGaps, extremes
}

enum ValueShape: CaseIterable {
    case counter, gauge, constant, randomBits, special, mixed
}

let specialValues: [Double] = [
    .nan, -.nan, .staleMarker, Double(bitPattern: 0x7FF8_0000_0000_0001), Double(bitPattern: 0xFFF0_0000_0000_0001),
    .signalingNaN, 0.0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
    .leastNonzeroMagnitude, -.leastNormalMagnitude, 1, -1, 0.1, 1e300,
]

func timestamps<G: RandomNumberGenerator>(_ shape: TimeShape, count n: Int, using rng: inout G) -> [Int64] {
    switch shape {
    case .regular:
        let start = Int64.random(in: 0...1_800_000_000_000, using: &rng)
        return (0..<n).map { start + Int64($0) * 15_000 }
    case .jittered, .mostlyRegular:
        let start = Int64.random(in: 1_600_000_000_000...1_800_000_000_000, using: &rng)
        return (0..<n).map { i in
            let jitter = shape == .jittered || Int.random(in: 0..<10, using: &rng) == 0
                ? Int64.random(in: -5...5, using: &rng) : 0
            return start + Int64(i) * 15_000 + jitter
        }
    case .irregular:
        var t = Int64.random(in: -1_000_000...1_000_000, using: &rng)
        return (0..<n).map { _ in
            t += Int64.random(in: 1...(Bool.random(using: &rng) ? 100 : 10_000_000), using: &rng)
            return t
        }
    case .negative:
        var t = Int64.random(in: -4_000_000_000_000 ... -1_000_000_000_000, using: &rng)
        return (0..<n).map { _ in
            t += Int64.random(in: 1...60_000, using: &rng)
            return t
        }
    case .hugeGaps:
        // Sorted distinct values over the whole Int64 range: deltas and deltas-of-deltas of any size.
        var set = Set<Int64>()
        while set.count < n { set.insert(Int64.random(in: .min ... .max, using: &rng)) }
        return set.sorted()
    case .extremes:
        var set: Set<Int64> = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
        while set.count < n { set.insert(Int64.random(in: .min ... .max, using: &rng)) }
        return Array(set.sorted().prefix(n))
    }
}

func values<G: RandomNumberGenerator>(_ shape: ValueShape, count n: Int, using rng: inout G) -> [Double] {
    switch shape {
    case .counter:
        var v = Double(Int.random(in: 0...10_000_000, using: &rng))
        return (0..<n).map { _ in
            v += Double(Int.random(in: 0...200, using: &rng))
            return v
        }
    case .gauge:
        var v = Double.random(in: -1000...1000, using: &rng)
        return (0..<n).map { _ in
            v += Double.random(in: -5...5, using: &rng)
            return (v * 100).rounded() / 100
        }
    case .constant:
        let v = Bool.random(using: &rng) ? 1.0 : Double(Int.random(in: 0...1000, using: &rng))
        return Array(repeating: v, count: n)
    case .randomBits:
        return (0..<n).map { _ in Double(bitPattern: rng.next()) }
    case .special:
        return (0..<n).map { _ in specialValues.randomElement(using: &rng)! }
    case .mixed:
        return (0..<n).map { _ in
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return specialValues.randomElement(using: &rng)!
            case 1: return Double(bitPattern: rng.next())
            case 2: return Double(Int.random(in: 0...100, using: &rng))
            default: return Double.random(in: 0...1, using: &rng)
            }
        }
    }
}

func randomSeries<G: RandomNumberGenerator>(count n: Int, using rng: inout G) -> [RawSample] {
    let ts = timestamps(TimeShape.allCases.randomElement(using: &rng)!, count: n, using: &rng)
    let vs = values(ValueShape.allCases.randomElement(using: &rng)!, count: n, using: &rng)
    return zip(ts, vs).map { RawSample($0, $1) }
}

/// Runs CPU-heavy test work on a thread of its own instead of the cooperative pool (2 threads on
/// a 2-core machine), so other tests' async work keeps running. Assert on the result afterwards,
/// in the test's own task.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
