/// Forward-only decoder over the samples of an `XORChunk`, oldest first.
///
/// Contract:
/// - Call `next()` (or `seek(_:)`) before reading `timestamp`/`value`; they describe the current
///   sample only while the last call returned true (afterwards they keep the last sample).
/// - On malformed bytes, `next()`/`seek(_:)` return false and `error` says what and where; the
///   iterator never traps on bad input and stays at end once it has returned false.
/// - Holds a copy-on-write reference to the chunk's bytes, so later appends to the chunk are not
///   seen. Decoding allocates nothing.
public struct XORIterator: Sendable {
    private var reader: BitReader
    /// Sample count announced by the header.
    let total: Int
    /// Samples decoded so far.
    private var decoded = 0
    private var finished = false
    public private(set) var error: ChunkError?

    private var time: Int64 = 0
    private(set) var delta: Int64 = 0
    private(set) var valueBits: UInt64 = 0
    private(set) var leading: UInt8 = XORCodec.noWindow
    private(set) var trailing: UInt8 = 0

    /// Iterates stored chunk bytes directly, without the full up-front validation of
    /// `XORChunk(bytes:)` (errors surface through `error` as decoding reaches them; bytes after
    /// the last announced sample are not examined).
    public init(bytes: [UInt8]) {
        if bytes.count < 2 {
            total = 0
            finished = true
            error = .truncatedHeader(length: bytes.count)
        } else {
            total = Int(bytes[0]) << 8 | Int(bytes[1])
        }
        reader = BitReader(bytes: bytes, offset: 2)
    }

    /// Timestamp of the current sample.
    public var timestamp: Int64 { time }

    /// Value of the current sample, bit-exact as appended.
    public var value: Double { Double(bitPattern: valueBits) }

    /// Bits consumed so far, header included.
    var bitOffset: Int { reader.bitOffset }

    /// Advances to the next sample; false at the end or on corrupt data (then `error` is set).
    public mutating func next() -> Bool {
        if finished || decoded >= total {
            finished = true
            return false
        }
        let sampleStart = reader.bitOffset
        switch decoded {
        case 0:
            guard let zigzag = readVarint() else { return fail(.invalidVarint(sample: 0, byte: sampleStart / 8)) }
            time = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
            valueBits = reader.readBits(64)
        case 1:
            guard let raw = readVarint() else { return fail(.invalidVarint(sample: 1, byte: sampleStart / 8)) }
            delta = Int64(bitPattern: raw)
            time &+= delta
            guard readValue() else { return fail(.invalidValueWindow(sample: 1, byte: reader.bitOffset / 8)) }
        default:
            delta &+= readDeltaOfDelta()
            time &+= delta
            guard readValue() else { return fail(.invalidValueWindow(sample: decoded, byte: reader.bitOffset / 8)) }
        }
        if reader.overrun {
            return fail(.truncated(sample: decoded, byte: reader.bitOffset / 8))
        }
        decoded &+= 1
        return true
    }

    /// Advances to the first sample whose timestamp is >= `t`. Never moves backwards: if the
    /// current sample already qualifies it stays put. Returns false if no such sample remains.
    public mutating func seek(_ t: Int64) -> Bool {
        if finished { return false }
        if decoded > 0 && time >= t { return true }
        while next() {
            if time >= t { return true }
        }
        return false
    }

    /// Stops with `e`, or with a truncation error if the data ran out (which explains anything odd decoded).
    private mutating func fail(_ e: ChunkError) -> Bool {
        error = reader.overrun ? .truncated(sample: decoded, byte: reader.bitOffset / 8) : e
        finished = true
        return false
    }

    /// Little-endian base-128 varint of at most 10 bytes; nil if longer or overflowing 64 bits.
    @inline(always)
    private mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<10 {
            let byte = reader.readByte()
            if byte < 0x80 {
                if index == 9 && byte > 1 { return nil }
                return result | UInt64(byte) << shift
            }
            result |= UInt64(byte & 0x7f) << shift
            shift &+= 7
        }
        return nil
    }

    /// Prefix '0' → 0; '10' → 7-bit, '110' → 14-bit, '1110' → 20-bit signed payload; '1111' → 64 bits.
    @inline(always)
    private mutating func readDeltaOfDelta() -> Int64 {
        let width: Int
        if !reader.readBit() { return 0 }
        if !reader.readBit() {
            width = 7
        } else if !reader.readBit() {
            width = 14
        } else if !reader.readBit() {
            width = 20
        } else {
            return Int64(bitPattern: reader.readBits(64))
        }
        let shift = UInt64(64 &- width)
        return Int64(bitPattern: reader.readBits(width) << shift) >> shift  // sign-extend
    }

    /// '0' → same value; '10' → bits in the previous window; '11' → new window then bits.
    /// Returns false when the window is invalid.
    @inline(always)
    private mutating func readValue() -> Bool {
        if !reader.readBit() { return true }
        if reader.readBit() {
            let control = reader.readBits(11)
            let newLeading = Int(control >> 6)
            var significant = Int(control & 63)
            if significant == 0 { significant = 64 }
            if newLeading &+ significant > 64 { return reader.overrun }
            leading = UInt8(newLeading)
            trailing = UInt8(64 &- newLeading &- significant)
        } else if leading == XORCodec.noWindow {
            return reader.overrun
        }
        let meaningful = reader.readBits(64 &- Int(leading) &- Int(trailing))
        valueBits ^= meaningful << UInt64(trailing)
        return true
    }
}
