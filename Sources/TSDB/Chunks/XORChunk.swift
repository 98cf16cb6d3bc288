/// A Gorilla-style (Pelkonen et al., VLDB 2015) compressed run of float samples of one series,
/// laid out like Prometheus's XOR chunk with Ember's own delta-of-delta bucket widths.
///
/// Contract:
/// - `bytes` is the complete, self-contained encoding: a 2-byte big-endian sample count, then a
///   bit stream (see `docs/format/chunks.md` for every bit). Bytes round-trip through
///   `init(bytes:)`; equal chunks have equal bytes.
/// - Timestamps round-trip exactly for any `Int64` values (delta arithmetic wraps, so even
///   differences that overflow `Int64` survive). Values round-trip bit-exactly: every NaN payload
///   (including `Double.staleMarker`), `-0.0` and `±infinity` keep their bit patterns.
/// - Callers append timestamps in strictly increasing order (checked only by `assert`); a chunk
///   holds at most `XORChunk.maxSamples` samples (checked by `precondition`).
/// - `append` is amortised O(1) and allocates only when the byte array grows.
public struct XORChunk: Sendable, Equatable {
    /// Largest sample count the 16-bit header can record.
    public static let maxSamples = Int(UInt16.max)

    // Fields in this order pack into 48 bytes: the writer's 9, then the small fields in its
    // padding, then the 64-bit appender state. Every head series holds one open chunk.
    private var writer: BitWriter
    private var sampleCount: UInt16
    private var leading: UInt8 = XORCodec.noWindow
    private var trailing: UInt8 = 0
    // Appender state: what the next sample is encoded against.
    private var firstTime: Int64 = 0
    private var lastTime: Int64 = 0
    private var lastDelta: Int64 = 0
    private var lastValueBits: UInt64 = 0

    /// Number of samples appended.
    public var count: Int { Int(sampleCount) }

    /// An empty chunk (just the zero count header), ready to append, with room for
    /// `byteCapacity` encoded bytes before its array first grows (by doubling). A chunk filled
    /// to completion right away (compaction) wants the typical full size; one that lives open for
    /// a long time (the head's) wants a small start, so that it holds little more than it uses.
    public init(byteCapacity: Int = XORCodec.typicalByteCapacity) {
        var header: [UInt8] = []
        header.reserveCapacity(Swift.max(byteCapacity, 2))
        header.append(contentsOf: [0, 0])
        writer = BitWriter(bytes: header)
        sampleCount = 0
    }

    /// Decodes stored bytes, validating the header and every sample, so that appending can continue.
    /// Throws if the bytes are truncated, corrupt, or carry data or non-zero padding past the last sample.
    public init(bytes: [UInt8]) throws(ChunkError) {
        var it = XORIterator(bytes: bytes)
        if let error = it.error { throw error }
        sampleCount = UInt16(it.total)
        if it.total > 0 {
            var first = true
            while it.next() {
                if first { firstTime = it.timestamp; first = false }
            }
            if let error = it.error { throw error }
            lastTime = it.timestamp
            lastDelta = it.delta
            lastValueBits = it.valueBits
            leading = it.leading
            trailing = it.trailing
        }
        let usedBits = it.bitOffset
        let usedBytes = (usedBits + 7) / 8
        if bytes.count > usedBytes {
            throw .trailingBytes(byte: usedBytes, length: bytes.count)
        }
        let freeBits = usedBytes * 8 - usedBits
        if freeBits > 0, bytes[usedBytes - 1] & UInt8((1 << freeBits) - 1) != 0 {
            throw .nonZeroPadding(byte: usedBytes - 1)
        }
        writer = BitWriter(bytes: bytes, freeBits: freeBits)
    }

    /// The exact encoded bytes (header included).
    public var bytes: [UInt8] { writer.bytes }

    /// Timestamp of the first sample, or nil when empty.
    public var minTime: Int64? { count > 0 ? firstTime : nil }

    /// Timestamp of the last sample, or nil when empty.
    public var maxTime: Int64? { count > 0 ? lastTime : nil }

    /// True when no further sample fits the 16-bit count header.
    public var isFull: Bool { count >= Self.maxSamples }

    /// Appends a sample. `t` must be greater than `maxTime`; the chunk must not be full.
    public mutating func append(_ t: Int64, _ v: Double) {
        precondition(count < Self.maxSamples, "XORChunk is full (\(Self.maxSamples) samples)")
        assert(count == 0 || t > lastTime, "XORChunk timestamps must strictly increase")
        let bits = v.bitPattern
        switch count {
        case 0:
            writeVarint(UInt64(bitPattern: (t << 1) ^ (t >> 63)))  // zig-zag
            writer.writeBits(bits, 64)
            firstTime = t
        case 1:
            let delta = t &- lastTime
            writeVarint(UInt64(bitPattern: delta))
            writeValue(bits)
            lastDelta = delta
        default:
            let delta = t &- lastTime
            writeDeltaOfDelta(delta &- lastDelta)
            writeValue(bits)
            lastDelta = delta
        }
        lastTime = t
        lastValueBits = bits
        sampleCount &+= 1
        writer.setByte(UInt8(truncatingIfNeeded: count >> 8), at: 0)
        writer.setByte(UInt8(truncatingIfNeeded: count), at: 1)
    }

    /// Gives back the byte array's unused capacity (a copy of exactly the used bytes), for a
    /// chunk that is complete and stays in memory.
    public mutating func shrinkToFit() { writer.shrinkToFit() }

    /// The byte array's capacity: what the chunk's bytes hold on the heap, for memory accounting.
    public var byteCapacity: Int { writer.bytes.capacity }

    /// An iterator over the samples, oldest first.
    public func makeIterator() -> XORIterator { XORIterator(bytes: writer.bytes) }

    public static func == (lhs: XORChunk, rhs: XORChunk) -> Bool { lhs.writer.bytes == rhs.writer.bytes }

    // MARK: Encoding

    /// Little-endian base-128 varint: 7 bits per byte, high bit set on all but the last byte.
    @inline(__always)
    private mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writer.writeByte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        writer.writeByte(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    private mutating func writeDeltaOfDelta(_ dod: Int64) {
        if dod == 0 {
            writer.writeBit(false)
            return
        }
        // Prefix and payload are written together (at most 24 bits) in one call.
        let raw = UInt64(bitPattern: dod)
        if dod >= -64 && dod <= 63 {                   // '10' + 7 bits
            writer.writeBits(0b10 << 7 | raw & 0x7f, 9)
        } else if dod >= -8192 && dod <= 8191 {        // '110' + 14 bits
            writer.writeBits(0b110 << 14 | raw & 0x3fff, 17)
        } else if dod >= -524_288 && dod <= 524_287 {  // '1110' + 20 bits
            writer.writeBits(0b1110 << 20 | raw & 0xf_ffff, 24)
        } else {                                       // '1111' + 64 bits
            writer.writeBits(0b1111, 4)
            writer.writeBits(raw, 64)
        }
    }

    @inline(__always)
    private mutating func writeValue(_ bits: UInt64) {
        let xor = bits ^ lastValueBits
        if xor == 0 {
            writer.writeBit(false)  // '0': same value
            return
        }
        let newLeading = UInt8(min(xor.leadingZeroBitCount, XORCodec.maxLeading))
        let newTrailing = UInt8(xor.trailingZeroBitCount)
        let significant = 64 &- Int(newLeading) &- Int(newTrailing)
        let windowWidth = 64 &- Int(leading) &- Int(trailing)
        // Reuse the previous window when the bits fit in it and it costs no more than a new
        // window (2 + width vs 13 + significant bits). `leading` is 0xff before the first window,
        // so the first changed value always opens one.
        if newLeading >= leading && newTrailing >= trailing && windowWidth <= significant &+ 11 {
            // '10' then the window's bits.
            let payload = xor >> UInt64(trailing)
            if windowWidth <= 62 {
                writer.writeBits(0b10 << UInt64(windowWidth) | payload, windowWidth &+ 2)
            } else {
                writer.writeBits(0b10, 2)
                writer.writeBits(payload, windowWidth)
            }
        } else {
            // '11', 5-bit leading-zero count, 6-bit significant-bit count (64 stored as 0), bits.
            let control = 0b11 << 11 | UInt64(newLeading) << 6 | UInt64(significant & 63)
            let payload = xor >> UInt64(newTrailing)
            if significant <= 51 {
                writer.writeBits(control << UInt64(significant) | payload, 13 &+ significant)
            } else {
                writer.writeBits(control, 13)
                writer.writeBits(payload, significant)
            }
            leading = newLeading
            trailing = newTrailing
        }
    }
}

/// Constants shared by the XOR encoder and decoder.
public enum XORCodec {
    /// Leading-zero counts are stored in 5 bits, so larger counts are clamped to 31.
    static let maxLeading = 31
    /// Marker for "no leading/trailing window has been written yet".
    static let noWindow: UInt8 = 0xff
    /// Initial byte capacity: enough for ~120 typical samples without regrowing.
    public static let typicalByteCapacity = 192
    /// Initial byte capacity of a head series' open chunk: the header and the first sample
    /// (2 + up to 10 + 8 bytes) and a few more, so that a chunk that is young, or compresses
    /// well, does not hold 192 bytes it may never use.
    public static let openChunkByteCapacity = 32
}
