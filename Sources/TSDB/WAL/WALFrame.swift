/// The framing of records inside a segment file: a 12-byte header (CRC-32C, compressed length,
/// uncompressed length, all little-endian) followed by the record payload as one LZ4 block.
///
/// Contract: `scan` yields every record from the start of a segment up to the first frame that is
/// incomplete (torn write), fails its CRC, does not decompress, or does not decode; it then stops
/// and reports that frame's offset, which is also the length of the good prefix. It never yields
/// a record whose bytes were not all checked.
enum WALFrame {
    static let headerSize = 12
    /// The largest uncompressed payload a frame may declare (1 GiB); larger claims are corruption.
    static let maxPayloadSize = 1 << 30

    /// The frame bytes of `record`.
    static func encode(_ record: WALRecord) -> [UInt8] { encode(payload: record.encode()) }

    /// The frame of an encoded record payload (`WALRecord.encode()`).
    static func encode(payload: [UInt8]) -> [UInt8] {
        let compressed = LZ4.compress(payload)
        var frame: [UInt8] = []
        frame.reserveCapacity(headerSize + compressed.count)
        frame.appendUInt32LE(0)
        frame.appendUInt32LE(UInt32(compressed.count))
        frame.appendUInt32LE(UInt32(payload.count))
        frame.append(contentsOf: compressed)
        let crc = frame.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[4...])) }
        for index in 0..<4 { frame[index] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * index)) }
        return frame
    }

    /// Where a scan stopped: `goodLength` bytes hold whole, valid records; `problem` says what is
    /// wrong at that offset, or is nil when the segment ended cleanly.
    struct ScanEnd: Equatable {
        let goodLength: Int
        let problem: String?
    }

    /// Decodes the records of one segment in order, handing each to `body` with its byte offset.
    static func scan(_ bytes: [UInt8], _ body: (WALRecord, Int) -> Void) -> ScanEnd {
        var offset = 0
        while offset < bytes.count {
            switch frame(in: bytes, at: offset) {
            case let .success((record, length)):
                body(record, offset)
                offset += length
            case let .failure(problem):
                return ScanEnd(goodLength: offset, problem: problem.description)
            }
        }
        return ScanEnd(goodLength: offset, problem: nil)
    }

    /// The offsets of the frames whose header and announced length fit in `bytes`, in order,
    /// up to the first that does not fit. Nothing else is checked here; `frame(in:at:)` checks.
    /// The compressed length a frame header at the start of `bytes` announces (at least
    /// `headerSize` bytes needed).
    static func declaredLength(_ bytes: [UInt8]) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[4 + $1]) << (8 * $1) }
    }

    static func layout(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var offset = 0
        while bytes.count - offset >= headerSize {
            let length = (0..<4).reduce(0) { $0 | Int(bytes[offset + 4 + $1]) << (8 * $1) }
            guard length <= bytes.count - offset - headerSize else { break }
            offsets.append(offset)
            offset += headerSize + length
        }
        return offsets
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The record starting at `offset` and its frame length, or why there is none.
    static func frame(in bytes: [UInt8], at offset: Int) -> Result<(WALRecord, Int), Problem> {
        let left = bytes.count - offset
        guard left >= headerSize else {
            return .failure(Problem(description: "torn record header: \(left) of \(headerSize) bytes"))
        }
        func u32(_ at: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 | UInt32(bytes[offset + at + $1]) << UInt32(8 * $1) }
        }
        let stored = u32(0), compressedLength = Int(u32(4)), payloadLength = Int(u32(8))
        guard compressedLength <= left - headerSize else {
            return .failure(Problem(description: "torn record: header announces \(compressedLength) bytes, \(left - headerSize) present"))
        }
        let end = offset + headerSize + compressedLength
        let computed = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(offset + 4)..<end])) }
        guard stored == computed else {
            return .failure(Problem(description: "CRC32C mismatch: stored \(hex(stored)), computed \(hex(computed))"))
        }
        guard compressedLength > 0, payloadLength > 0, payloadLength <= maxPayloadSize else {
            return .failure(Problem(description: "invalid record lengths \(compressedLength)/\(payloadLength)"))
        }
        let payload: [UInt8]
        do {
            payload = try LZ4.decompress(Array(bytes[(offset + headerSize)..<end]), decompressedSize: payloadLength)
        } catch {
            return .failure(Problem(description: "\(error)"))
        }
        do {
            return .success((try WALRecord.decode(payload), headerSize + compressedLength))
        } catch {
            return .failure(Problem(description: "undecodable record: \(error.description)"))
        }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
