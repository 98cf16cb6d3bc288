import MetricModel
import Storage

/// The bytes of a `chunks_head/NNNNNN` file (docs/format/head-chunks.md): an 8-byte header,
/// then chunk records, each guarded by a CRC-32C.
///
/// Contract: `encode` produces one record; `decode` checks one record at an offset and returns
/// its fields, or a `Problem` naming what is wrong there. A record that decodes was written
/// whole by `encode` (barring a CRC collision).
enum HeadChunkFormat {
    /// "EMHC": Ember head chunks.
    static let magic: [UInt8] = [0x45, 0x4D, 0x48, 0x43]
    static let version: UInt8 = 1
    static let headerSize = 8
    static let header: [UInt8] = magic + [version, 0, 0, 0]
    /// Encoding byte of a Gorilla XOR chunk (docs/format/chunks.md).
    static let xorEncoding: UInt8 = 1
    /// Bytes before the chunk data: series ref, mint, maxt, encoding, data length.
    static let recordHeaderSize = 29
    static let crcSize = 4
    /// Offset of the data length field inside a record.
    static let lengthOffset = 25

    /// Six decimal digits, as Prometheus names its head chunk files.
    static func fileName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func fileNumber(_ name: String) -> Int? {
        guard name.utf8.count == 6, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(name)
    }

    static func recordSize(dataLength: Int) -> Int { recordHeaderSize + dataLength + crcSize }

    /// Appends one record for `chunk` of series `ref` to `out`.
    static func encode(ref: SeriesRef, chunk: XORChunk, into out: inout [UInt8]) {
        let data = chunk.bytes
        let start = out.count
        appendLittleEndian(UInt64(ref), to: &out)
        appendLittleEndian(UInt64(bitPattern: chunk.minTime ?? 0), to: &out)
        appendLittleEndian(UInt64(bitPattern: chunk.maxTime ?? 0), to: &out)
        out.append(xorEncoding)
        appendLittleEndian(UInt32(data.count), to: &out)
        out.append(contentsOf: data)
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        appendLittleEndian(crc, to: &out)
    }

    /// The fields of a record, without its data (which starts at `dataOffset`).
    struct Record: Equatable {
        var ref: SeriesRef
        var minTime: Timestamp
        var maxTime: Timestamp
        var sampleCount: Int
        var dataOffset: Int
        var dataLength: Int
        var size: Int { HeadChunkFormat.recordSize(dataLength: dataLength) }
    }

    /// Why a record could not be read.
    enum Problem: Error, Equatable, CustomStringConvertible {
        case torn(needed: Int, available: Int)
        case badEncoding(UInt8)
        case badLength(Int)
        case badChecksum(stored: UInt32, computed: UInt32)
        case badTimes(minTime: Timestamp, maxTime: Timestamp, samples: Int)

        var description: String {
            switch self {
            case let .torn(needed, available): "torn record: needs \(needed) bytes, \(available) left"
            case let .badEncoding(byte): "unknown chunk encoding \(byte)"
            case let .badLength(length): "chunk data length \(length) is below the 2-byte sample count"
            case let .badChecksum(stored, computed):
                "CRC-32C mismatch: stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))"
            case let .badTimes(minTime, maxTime, samples): "impossible chunk: mint \(minTime), maxt \(maxTime), \(samples) samples"
            }
        }
    }

    /// Checks the file header; nil when it is valid, else what is wrong.
    static func checkHeader(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= headerSize else { return "file header torn: \(bytes.count) of \(headerSize) bytes" }
        guard Array(bytes[0..<4]) == magic else { return "bad magic number \(Array(bytes[0..<4]))" }
        guard bytes[4] == version else { return "unsupported version \(bytes[4])" }
        return nil
    }

    /// Reads and verifies the record at `offset` in `bytes`.
    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Result<Record, Problem> {
        let available = bytes.count - offset
        guard available >= recordHeaderSize + crcSize else { return .failure(.torn(needed: recordHeaderSize + crcSize, available: available)) }
        let encoding = bytes[offset + 24]
        let length = Int(loadLittleEndian(bytes, offset + lengthOffset, as: UInt32.self))
        let size = recordSize(dataLength: length)
        guard available >= size else { return .failure(.torn(needed: size, available: available)) }
        let stored = loadLittleEndian(bytes, offset + size - crcSize, as: UInt32.self)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + size - crcSize]))
        guard stored == computed else { return .failure(.badChecksum(stored: stored, computed: computed)) }
        guard encoding == xorEncoding else { return .failure(.badEncoding(encoding)) }
        guard length >= 2 else { return .failure(.badLength(length)) }
        let minTime = Int64(bitPattern: loadLittleEndian(bytes, offset + 8, as: UInt64.self))
        let maxTime = Int64(bitPattern: loadLittleEndian(bytes, offset + 16, as: UInt64.self))
        let count = Int(bytes[offset + recordHeaderSize]) << 8 | Int(bytes[offset + recordHeaderSize + 1])
        guard count > 0, minTime <= maxTime else { return .failure(.badTimes(minTime: minTime, maxTime: maxTime, samples: count)) }
        let ref = SeriesRef(loadLittleEndian(bytes, offset, as: UInt64.self))
        return .success(Record(ref: ref, minTime: minTime, maxTime: maxTime, sampleCount: count,
                               dataOffset: offset + recordHeaderSize, dataLength: length))
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func loadLittleEndian<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ offset: Int, as: T.Type) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
