import MetricModel
import Storage

/// One sample as the write-ahead log stores it: the series reference, the timestamp and the
/// value's exact bit pattern (NaN payloads and staleness markers survive).
struct WALSample: Equatable, Sendable {
    var ref: SeriesRef
    var timestamp: Timestamp
    var value: Double

    static func == (lhs: WALSample, rhs: WALSample) -> Bool {
        lhs.ref == rhs.ref && lhs.timestamp == rhs.timestamp && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

/// The payload of one write-ahead-log record, before compression (see docs/format/wal.md).
///
/// Contract: `decode(encode(r)) == r` for every record; `decode` throws `WALRecord.DecodeError`
/// for any byte string that is not exactly one well-formed record, never traps.
enum WALRecord: Equatable, Sendable {
    /// New series: each reference with its label set.
    case series([SeriesEntry])
    /// A committed batch of samples.
    case samples([WALSample])
    /// Deleted samples: each series' samples in [mint, maxt] written before this record.
    case deletes([Deletion])

    struct Deletion: Equatable, Sendable {
        var ref: SeriesRef
        var mint: Timestamp
        var maxt: Timestamp
    }

    struct SeriesEntry: Equatable, Sendable {
        var ref: SeriesRef
        var labels: Labels
    }

    static let seriesType: UInt8 = 1
    static let samplesType: UInt8 = 2
    static let deletesType: UInt8 = 3

    /// Why a record payload could not be decoded.
    struct DecodeError: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    func encode() -> [UInt8] {
        var out: [UInt8] = []
        switch self {
        case let .series(entries):
            var encoded: [UInt8] = []
            encoded.reserveCapacity(entries.count * 64)
            for entry in entries { Self.appendSeriesEntry(entry.ref, entry.labels, to: &encoded) }
            return Self.seriesPayload(count: entries.count, entries: encoded)
        case let .samples(samples):
            return Self.encodeSamples(samples)
        case let .deletes(deletions):
            out.append(Self.deletesType)
            out.appendUvarint(UInt64(deletions.count))
            for deletion in deletions {
                out.appendUvarint(deletion.ref)
                out.appendVarint(deletion.mint)
                out.appendVarint(deletion.maxt)
            }
        }
        return out
    }

    /// Appends one entry of a series record (reference, label count, names and values), without
    /// the record's type and entry count: see `seriesPayload`.
    static func appendSeriesEntry(_ ref: SeriesRef, _ labels: Labels, to out: inout [UInt8]) {
        out.appendUvarint(ref)
        out.appendUvarint(UInt64(labels.count))
        for label in labels {
            out.appendString(label.name)
            out.appendString(label.value)
        }
    }

    /// The payload of a series record of `count` entries encoded by `appendSeriesEntry`.
    static func seriesPayload(count: Int, entries: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count + 11)
        out.append(seriesType)
        out.appendUvarint(UInt64(count))
        out.append(contentsOf: entries)
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(DecodeError) -> WALRecord {
        var reader = ByteReader(bytes: bytes)
        let type = try reader.byte("record type")
        let count = try reader.uvarint("entry count")
        let record: WALRecord
        switch type {
        case seriesType:
            // Every entry takes at least two bytes, so a count above that is a lie; checking it
            // first keeps a hostile count from reserving huge arrays.
            guard count <= UInt64(bytes.count) / 2 else { throw DecodeError(description: "series record claims \(count) entries in \(bytes.count) bytes") }
            var entries: [SeriesEntry] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                let ref = try reader.uvarint("series reference")
                let labelCount = try reader.uvarint("label count")
                guard labelCount <= UInt64(bytes.count) else { throw DecodeError(description: "series \(ref) claims \(labelCount) labels") }
                var pairs: [Label] = []
                pairs.reserveCapacity(Int(labelCount))
                for _ in 0..<labelCount {
                    let name = try reader.string("label name")
                    let value = try reader.string("label value")
                    if let last = pairs.last, !(last.name < name) {
                        throw DecodeError(description: "series \(ref) has labels out of order (\"\(last.name)\" before \"\(name)\")")
                    }
                    if value.isEmpty { throw DecodeError(description: "series \(ref) has an empty value for label \"\(name)\"") }
                    pairs.append(Label(name, value))
                }
                entries.append(SeriesEntry(ref: ref, labels: Labels(sortedUnique: pairs)))
            }
            record = .series(entries)
        case samplesType:
            guard count <= UInt64(bytes.count) / 10 else { throw DecodeError(description: "samples record claims \(count) samples in \(bytes.count) bytes") }
            let base = try reader.varint("base timestamp")
            let start = reader.offset
            if let fast = bytes.withUnsafeBufferPointer({ Self.decodeSampleBodies($0, from: start, count: Int(count), base: base) }) {
                reader.offset = fast.end
                record = .samples(fast.samples)
                break
            }
            // Something is wrong with the record: decode it field by field to say what and where.
            var samples: [WALSample] = []
            samples.reserveCapacity(Int(count))
            for _ in 0..<count {
                let ref = try reader.uvarint("sample series reference")
                let delta = try reader.varint("timestamp delta")
                let bits = try reader.uint64LE("sample value")
                samples.append(WALSample(ref: ref, timestamp: base &+ delta, value: Double(bitPattern: bits)))
            }
            record = .samples(samples)
        case deletesType:
            guard count <= UInt64(bytes.count) / 3 else { throw DecodeError(description: "deletes record claims \(count) entries in \(bytes.count) bytes") }
            var deletions: [Deletion] = []
            deletions.reserveCapacity(Int(count))
            for _ in 0..<count {
                let ref = try reader.uvarint("deleted series reference")
                let mint = try reader.varint("deletion start")
                let maxt = try reader.varint("deletion end")
                deletions.append(Deletion(ref: ref, mint: mint, maxt: maxt))
            }
            record = .deletes(deletions)
        default:
            throw DecodeError(description: "unknown record type \(type)")
        }
        guard reader.offset == bytes.count else {
            throw DecodeError(description: "\(bytes.count - reader.offset) trailing bytes after the record")
        }
        return record
    }
}

extension WALRecord {
    /// The `count` samples of a samples record starting at byte `start` (replay's hot loop: no
    /// per-field error bookkeeping). Nil when a field is truncated or a varint overflows; the
    /// caller then decodes field by field to report the problem. `end` is the byte after them.
    static func decodeSampleBodies(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, count: Int,
                                   base: Int64) -> (samples: [WALSample], end: Int)? {
        var end: Int?
        let samples = [WALSample](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Locals only inside the loop: a variable captured by a nested function would be
            // boxed and checked for exclusive access on every field.
            var cursor = SampleCursor(bytes: bytes, at: start)
            for index in 0..<count {
                guard let ref = cursor.uvarint(), let zigzag = cursor.uvarint(), let bits = cursor.uint64LE() else { return }
                let delta = Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
                (buffer.baseAddress! + index).initialize(to: WALSample(ref: ref, timestamp: base &+ delta,
                                                                      value: Double(bitPattern: bits)))
                initialized = index + 1
            }
            end = cursor.at
        }
        return end.map { (samples, $0) }
    }
}

/// The unchecked-message reader behind `WALRecord.decodeSampleBodies`: nil instead of an error.
private struct SampleCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var at: Int

    @inline(__always)
    mutating func uvarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while at < bytes.count {
            let byte = bytes[at]
            at &+= 1
            if byte < 0x80 {
                if shift == 63 && byte > 1 { return nil }
                return result | UInt64(byte) << shift
            }
            result |= UInt64(byte & 0x7F) << shift
            shift &+= 7
            if shift > 63 { return nil }
        }
        return nil
    }

    @inline(__always)
    mutating func uint64LE() -> UInt64? {
        guard bytes.count &- at >= 8 else { return nil }
        defer { at &+= 8 }
        return UInt64(littleEndian: UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
}

/// Reads the primitive fields of a record, throwing instead of reading past the end.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func byte(_ what: String) throws(WALRecord.DecodeError) -> UInt8 {
        guard offset < bytes.count else { throw truncated(what) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uvarint(_ what: String) throws(WALRecord.DecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw truncated(what) }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 { throw WALRecord.DecodeError(description: "\(what) overflows 64 bits at byte \(offset - 1)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    mutating func varint(_ what: String) throws(WALRecord.DecodeError) -> Int64 {
        let raw = try uvarint(what)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func uint64LE(_ what: String) throws(WALRecord.DecodeError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw truncated(what) }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        offset += 8
        return value
    }

    mutating func string(_ what: String) throws(WALRecord.DecodeError) -> String {
        let length = try uvarint("\(what) length")
        guard length <= UInt64(bytes.count - offset) else { throw truncated(what) }
        let end = offset + Int(length)
        defer { offset = end }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    func truncated(_ what: String) -> WALRecord.DecodeError {
        WALRecord.DecodeError(description: "record ends inside the \(what) at byte \(offset)")
    }
}

extension WALRecord {
    /// A samples record's payload, written straight into one buffer sized for the worst case
    /// (ten-byte varints): the hot path of every commit. Same bytes as the generic encoding.
    static func encodeSamples(_ samples: [WALSample]) -> [UInt8] {
        let capacity = 1 + 10 + 10 + samples.count * 28
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var at = 0
            func uvarint(_ value: UInt64) {
                var rest = value
                while rest >= 0x80 {
                    buffer[at] = UInt8(truncatingIfNeeded: rest) | 0x80
                    at += 1
                    rest >>= 7
                }
                buffer[at] = UInt8(rest)
                at += 1
            }
            func varint(_ value: Int64) { uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }
            buffer[0] = samplesType
            at = 1
            uvarint(UInt64(samples.count))
            let base = samples.first?.timestamp ?? 0
            varint(base)
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for sample in samples {
                uvarint(sample.ref)
                varint(sample.timestamp &- base)
                raw.storeBytes(of: sample.value.bitPattern.littleEndian, toByteOffset: at, as: UInt64.self)
                at += 8
            }
            count = at
        }
    }
}

extension [UInt8] {
    mutating func appendUvarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    mutating func appendVarint(_ value: Int64) {
        appendUvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func appendString(_ string: String) {
        let utf8 = string.utf8
        appendUvarint(UInt64(utf8.count))
        append(contentsOf: utf8)
    }

    mutating func appendUInt32LE(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
