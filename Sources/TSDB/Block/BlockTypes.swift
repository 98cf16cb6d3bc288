#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricModel

/// One chunk of one series inside a block: XORChunk bytes (`XORChunk.bytes`) plus its time range.
///
/// Contract: `minTime` and `maxTime` are the timestamps of the chunk's first and last sample.
public struct BlockChunk: Sendable, Equatable {
    public let minTime: Timestamp
    public let maxTime: Timestamp
    public let bytes: [UInt8]

    public init(minTime: Timestamp, maxTime: Timestamp, bytes: [UInt8]) {
        self.minTime = minTime
        self.maxTime = maxTime
        self.bytes = bytes
    }

    /// The sample count recorded in the XOR chunk header (0 when the bytes are too short to hold one).
    var sampleCount: Int { bytes.count >= 2 ? Int(bytes[0]) << 8 | Int(bytes[1]) : 0 }
}

/// A series with its chunks, oldest first, non-overlapping.
public struct BlockSeries: Sendable, Equatable {
    public let labels: Labels
    public let chunks: [BlockChunk]

    public init(labels: Labels, chunks: [BlockChunk]) {
        self.labels = labels
        self.chunks = chunks
    }
}

/// A block's `meta.json`, with Prometheus's field names:
/// `{"ulid","minTime","maxTime","stats":{"numSamples","numSeries","numChunks"},"compaction":{"level","sources"},"version":1}`.
///
/// Contract: `maxTime` is exclusive, as in Prometheus: the block holds samples with
/// `minTime <= t < maxTime`. `compaction.sources` lists the ULIDs of the level-1 blocks whose data
/// this block holds (just its own ULID for a block cut from the head).
public struct BlockMeta: Codable, Sendable, Equatable {
    /// Counts of what the block holds.
    public struct Stats: Codable, Sendable, Equatable {
        public var numSamples: Int
        public var numSeries: Int
        public var numChunks: Int

        public init(numSamples: Int, numSeries: Int, numChunks: Int) {
            self.numSamples = numSamples
            self.numSeries = numSeries
            self.numChunks = numChunks
        }
    }

    /// How the block came to be: level 1 is cut from the head, higher levels are compactions.
    public struct Compaction: Codable, Sendable, Equatable {
        public var level: Int
        public var sources: [String]

        public init(level: Int, sources: [String]) {
            self.level = level
            self.sources = sources
        }
    }

    /// The only `version` this code writes and reads.
    public static let currentVersion = 1

    public var ulid: String
    public var minTime: Timestamp
    public var maxTime: Timestamp
    public var stats: Stats
    public var compaction: Compaction
    public var version: Int

    public init(ulid: String, minTime: Timestamp, maxTime: Timestamp, stats: Stats, compaction: Compaction,
                version: Int = BlockMeta.currentVersion) {
        self.ulid = ulid
        self.minTime = minTime
        self.maxTime = maxTime
        self.stats = stats
        self.compaction = compaction
        self.version = version
    }
}

/// Why a block could not be written or read.
///
/// Contract: `description` names the file (full path), the byte offset when one applies, and what is
/// wrong: `"<path> at byte <offset>: <reason>"` or `"<path>: <reason>"`. `kind` lets callers tell a
/// damaged block (`corrupt`) from a failed system call (`io`), a caller mistake (`invalidInput`) and
/// an attempt to write a block without any chunk (`empty`).
public struct BlockError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case io, corrupt, invalidInput, empty, closed
    }

    public let kind: Kind
    public let path: String
    public let offset: Int?
    public let reason: String

    public let description: String

    public init(_ kind: Kind, path: String, offset: Int? = nil, _ reason: String) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.reason = reason
        description = offset.map { "\(path) at byte \($0): \(reason)" } ?? "\(path): \(reason)"
    }

    /// A failed file operation whose message already names the path (from the WAL's file helpers).
    init(io path: String, message: String) {
        kind = .io
        self.path = path
        offset = nil
        reason = message
        description = message
    }

    /// A failed system call on `path`, with the system's message for `code`.
    static func system(_ operation: String, _ path: String, _ code: Int32 = errno) -> BlockError {
        BlockError(.io, path: path, "\(operation) failed: \(String(cString: strerror(code)))")
    }

    static func corrupt(_ path: String, at offset: Int?, _ reason: String) -> BlockError {
        BlockError(.corrupt, path: path, offset: offset, reason)
    }
}
