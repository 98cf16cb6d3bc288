import MetricModel

/// A chunk of a head series as a reader gets it: a closed or open chunk held in memory, or a
/// reference into a `chunks_head` file whose bytes are copied out when asked for.
///
/// Contract: reads like an `XORChunk` (`minTime`, `maxTime`, `count`, `bytes`, `makeIterator()`),
/// so callers written against in-memory chunks keep working. `minTime`/`maxTime` are never nil
/// (a head never hands out an empty chunk). A mapped chunk stays readable even after the head
/// dropped it and deleted its file (the snapshot keeps the mapping alive).
public struct HeadChunk: Sendable {
    enum Source: Sendable {
        case memory(XORChunk)
        case mapped(MappedChunk)
    }

    let source: Source

    init(_ chunk: XORChunk) { source = .memory(chunk) }
    init(_ chunk: MappedChunk) { source = .mapped(chunk) }

    public var minTime: Timestamp? {
        switch source {
        case let .memory(chunk): chunk.minTime
        case let .mapped(chunk): chunk.minTime
        }
    }

    public var maxTime: Timestamp? {
        switch source {
        case let .memory(chunk): chunk.maxTime
        case let .mapped(chunk): chunk.maxTime
        }
    }

    /// Number of samples.
    public var count: Int {
        switch source {
        case let .memory(chunk): chunk.count
        case let .mapped(chunk): Int(chunk.sampleCount)
        }
    }

    /// The encoded bytes (`XORChunk.bytes`); a copy out of the file for a mapped chunk.
    public var bytes: [UInt8] {
        switch source {
        case let .memory(chunk): chunk.bytes
        case let .mapped(chunk): chunk.bytes()
        }
    }

    /// `bytes`, read from a `chunks_head` file with `pread` rather than through its map: for a
    /// reader of every chunk of a range once (compaction), whose touched pages would otherwise
    /// stay in the server's resident set.
    public var bytesReadOnce: [UInt8] {
        switch source {
        case let .memory(chunk): chunk.bytes
        case let .mapped(chunk): chunk.bytesReadUnmapped()
        }
    }

    /// Whether the chunk lives in a `chunks_head` file.
    public var isMapped: Bool {
        if case .mapped = source { return true }
        return false
    }

    public func makeIterator() -> XORIterator {
        switch source {
        case let .memory(chunk): chunk.makeIterator()
        case let .mapped(chunk): XORIterator(bytes: chunk.bytes())
        }
    }
}
