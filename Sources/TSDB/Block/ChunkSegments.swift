/// Where a chunk lives: segment number (from 1) in the high 32 bits, byte offset of its record in
/// that segment file in the low 32 bits.
typealias ChunkRef = UInt64

/// A chunk's entry in the index: its time range and where its record is.
struct ChunkMeta: Equatable {
    let minTime: Int64
    let maxTime: Int64
    let ref: ChunkRef
}

/// Constants of the chunk segment files (`chunks/000001`, ...): see docs/format/block.md.
enum ChunkSegment {
    static let magic: UInt32 = 0x454D_4348  // "EMCH"
    static let version: UInt8 = 1
    static let headerSize = 8
    /// Encoding byte of a chunk record holding an XOR chunk.
    static let xorEncoding: UInt8 = 1
    /// Default largest segment size (a record larger than this still gets a segment of its own).
    static let defaultMaxSize = 512 << 20

    static func name(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static var header: [UInt8] {
        var encoder = ByteEncoder()
        encoder.be32(magic)
        encoder.append([version, 0, 0, 0])
        return encoder.bytes
    }
}

/// Streams chunk records into numbered segment files in one directory, starting a new segment when
/// the next record would push the current one past `maxSize`.
///
/// Contract: `append` returns the record's `ChunkRef`; `finish` fsyncs and closes the last segment
/// and returns every segment's final size, in segment order (the index records them).
final class ChunkSegmentWriter {
    let directory: String
    let maxSize: Int
    private var current: BlockFileWriter?
    private(set) var sizes: [Int] = []

    init(directory: String, maxSize: Int) {
        self.directory = directory
        self.maxSize = min(maxSize, Int(UInt32.max))
    }

    func append(_ chunk: [UInt8]) throws(BlockError) -> ChunkRef {
        var record = ByteEncoder()
        record.uvarint(UInt64(chunk.count))
        record.append(CollectionOfOne(ChunkSegment.xorEncoding))
        record.append(chunk)
        let crc = withUnsafeBytes(of: ChunkSegment.xorEncoding) { CRC32C.update(0, $0) }
        record.be32(chunk.withUnsafeBytes { CRC32C.update(crc, $0) })
        if current == nil || (current!.position > ChunkSegment.headerSize && current!.position + record.bytes.count > maxSize) {
            try startSegment()
        }
        let file = current!
        guard file.position + record.bytes.count <= Int(UInt32.max) else {
            throw BlockError(.invalidInput, path: file.path, offset: file.position,
                             "a chunk of \(chunk.count) bytes does not fit a segment (offsets are 32 bits)")
        }
        let ref = ChunkRef(sizes.count) << 32 | ChunkRef(file.position)
        try file.write(record.bytes)
        return ref
    }

    func finish() throws(BlockError) -> [Int] {
        try closeCurrent()
        return sizes
    }

    private func startSegment() throws(BlockError) {
        try closeCurrent()
        let file = try BlockFileWriter(path: directory + "/" + ChunkSegment.name(sizes.count + 1))
        try file.write(ChunkSegment.header)
        current = file
        sizes.append(0)
    }

    private func closeCurrent() throws(BlockError) {
        guard let file = current else { return }
        try file.finish()
        sizes[sizes.count - 1] = file.position
        current = nil
    }
}
