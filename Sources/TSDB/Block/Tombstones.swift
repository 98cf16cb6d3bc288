import MetricModel

/// A closed time range `[minTime, maxTime]` whose samples are deleted.
public struct DeletedInterval: Sendable, Equatable {
    public let minTime: Timestamp
    public let maxTime: Timestamp

    public init(minTime: Timestamp, maxTime: Timestamp) {
        self.minTime = minTime
        self.maxTime = maxTime
    }

    func contains(_ t: Timestamp) -> Bool { t >= minTime && t <= maxTime }
}

/// The deleted intervals of a block's series, keyed by series reference (the `tombstones` file).
///
/// Contract: each series' intervals are sorted, non-overlapping and non-adjacent (`add` merges);
/// the value type makes a snapshot for a querier an O(1) copy.
struct Tombstones: Sendable, Equatable {
    static let fileName = "tombstones"
    static let magic: UInt32 = 0x454D_5453  // "EMTS"
    static let version: UInt8 = 1

    private(set) var bySeries: [UInt32: [DeletedInterval]] = [:]

    var isEmpty: Bool { bySeries.isEmpty }

    subscript(ref: UInt32) -> [DeletedInterval] { bySeries[ref] ?? [] }

    /// Adds `interval` to series `ref`, merging it with the intervals it overlaps or touches.
    mutating func add(_ ref: UInt32, _ interval: DeletedInterval) {
        var merged = interval
        var kept: [DeletedInterval] = []
        for existing in bySeries[ref] ?? [] {
            if Self.apart(existing, merged) || Self.apart(merged, existing) {
                kept.append(existing)
            } else {
                merged = DeletedInterval(minTime: min(existing.minTime, merged.minTime), maxTime: max(existing.maxTime, merged.maxTime))
            }
        }
        kept.append(merged)
        kept.sort { $0.minTime < $1.minTime }
        bySeries[ref] = kept
    }

    /// Whether `a` ends before `b` starts with at least one timestamp between them.
    private static func apart(_ a: DeletedInterval, _ b: DeletedInterval) -> Bool {
        a.maxTime < b.minTime && UInt64(bitPattern: b.minTime &- a.maxTime) > 1
    }

    /// The file's bytes: header, entries in series order, CRC32C (see docs/format/block.md).
    func encoded() -> [UInt8] {
        var out = ByteEncoder()
        out.be32(Self.magic)
        out.append([Self.version, 0, 0, 0])
        out.uvarint(UInt64(bySeries.count))
        for ref in bySeries.keys.sorted() {
            let intervals = bySeries[ref]!
            out.uvarint(UInt64(ref))
            out.uvarint(UInt64(intervals.count))
            for interval in intervals {
                out.varint(interval.minTime)
                out.uvarint(UInt64(bitPattern: interval.maxTime &- interval.minTime))
            }
        }
        out.be32(CRC32C.checksum(out.bytes))
        return out.bytes
    }

    /// Decodes and checks a tombstones file.
    static func decode(_ file: MappedFile) throws(BlockError) -> Tombstones {
        guard file.count >= 12 else {
            throw .corrupt(file.path, at: nil, "file is \(file.count) bytes, shorter than its header and checksum (12 bytes)")
        }
        guard file.checksum(0..<(file.count - 4)) == file.be32(at: file.count - 4) else {
            throw .corrupt(file.path, at: file.count - 4, "tombstones checksum mismatch (truncated or damaged file)")
        }
        guard file.be32(at: 0) == magic else { throw .corrupt(file.path, at: 0, "not a tombstones file (bad magic number)") }
        guard file.buffer[4] == version else { throw .corrupt(file.path, at: 4, "unsupported tombstones version \(file.buffer[4])") }
        var decoder = ByteDecoder(file, from: 8, to: file.count - 4)
        var tombstones = Tombstones()
        let count = try decoder.count(limit: decoder.remaining / 2, "series count")
        for _ in 0..<count {
            let ref = try decoder.count(limit: Int(UInt32.max), "series reference")
            let intervals = try decoder.count(limit: decoder.remaining / 2, "interval count")
            for _ in 0..<intervals {
                let minTime = try decoder.varint()
                let maxTime = minTime &+ Int64(bitPattern: try decoder.uvarint())
                tombstones.add(UInt32(ref), DeletedInterval(minTime: minTime, maxTime: maxTime))
            }
        }
        guard decoder.remaining == 0 else { throw decoder.failure("\(decoder.remaining) unexpected bytes after the last entry") }
        return tombstones
    }
}
