/// Milliseconds since the Unix epoch, as Prometheus stores time.
public typealias Timestamp = Int64

/// One float sample of one series.
public struct Sample: Hashable, Sendable {
    public var labels: Labels
    public var timestamp: Timestamp
    public var value: Double

    public init(labels: Labels, timestamp: Timestamp, value: Double) {
        self.labels = labels
        self.timestamp = timestamp
        self.value = value
    }
}

extension Double {
    /// Prometheus's staleness marker: a NaN with the bit pattern 0x7ff0000000000002, written when a
    /// series disappears. It is distinct from an ordinary NaN, which is a valid sample value.
    public static let staleMarker = Double(bitPattern: 0x7ff0_0000_0000_0002)

    /// True only for the exact staleness-marker bit pattern.
    public var isStaleMarker: Bool { bitPattern == 0x7ff0_0000_0000_0002 }
}

/// The current wall-clock time in milliseconds.
public func currentTimestamp() -> Timestamp {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Timestamp(spec.tv_sec) * 1000 + Timestamp(spec.tv_nsec) / 1_000_000
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
