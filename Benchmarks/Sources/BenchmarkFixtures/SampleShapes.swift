/// Sample streams with the value shapes that dominate real Prometheus data, each one series' worth
/// of samples scraped every 15 s (timestamps exactly 15 000 ms apart, as a healthy scrape loop
/// produces after Prometheus aligns them).
public enum SampleShape: String, CaseIterable, Sendable {
    /// The same value forever (`up`, build info, feature flags).
    case constant
    /// A monotonically increasing integer counter (`http_requests_total`).
    case counter
    /// A gauge wandering around a level, with two decimals (temperatures, queue lengths in %).
    case gauge
    /// Uniformly random doubles: the worst case for XOR value compression.
    case randomFloat

    public static let scrapeInterval: Int64 = 15_000
    /// 2026-01-01T00:00:00Z in milliseconds.
    public static let startTime: Int64 = 1_767_225_600_000

    /// `count` consecutive samples of this shape, the same on every call.
    public func samples(_ count: Int) -> (timestamps: [Int64], values: [Double]) {
        var rng = SeededGenerator(seed: 0x5EED_0000 &+ UInt64(Self.allCases.firstIndex(of: self)!))
        var timestamps: [Int64] = []
        var values: [Double] = []
        timestamps.reserveCapacity(count)
        values.reserveCapacity(count)
        var counter = Double(Int.random(in: 10_000...1_000_000, using: &rng))
        var level = 21.5
        for i in 0..<count {
            timestamps.append(Self.startTime + Int64(i) * Self.scrapeInterval)
            switch self {
            case .constant:
                values.append(1)
            case .counter:
                counter += Double(Int.random(in: 0...40, using: &rng))
                values.append(counter)
            case .gauge:
                level += Double.random(in: -0.25...0.25, using: &rng)
                values.append((level * 100).rounded() / 100)
            case .randomFloat:
                values.append(Double.random(in: 0..<1_000, using: &rng))
            }
        }
        return (timestamps, values)
    }
}
