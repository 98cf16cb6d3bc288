// Bit-granular writer and reader over a byte array, most significant bit first.
//
// Bits fill each byte from its most significant bit (bit 7) towards its least significant
// bit (bit 0); a multi-bit field is written most significant bit first. Bits of the last byte
// that have not been written yet are zero ("padding").

/// Appends bits to a growing `[UInt8]`, most significant bit first.
///
/// Contract: `bytes` always holds every bit written so far; unwritten low bits of the last byte
/// are zero. Appending is amortised O(1) per call and never allocates except when the array
/// grows. Not thread-safe to mutate concurrently (it is a value type; copies are independent).
struct BitWriter: Sendable, Equatable {
    /// The encoded bytes, including a partially filled last byte.
    private(set) var bytes: [UInt8]
    /// How many low bits of the last byte are still free (0...7; 0 means "start a new byte").
    /// Stored in a byte, so that a chunk's state packs into 48 bytes (one per head series).
    private(set) var freeBits: Int {
        get { Int(storedFreeBits) }
        set { storedFreeBits = UInt8(truncatingIfNeeded: newValue) }
    }
    private var storedFreeBits: UInt8

    /// Starts a writer after `bytes`, whose last byte has `freeBits` unwritten (zero) low bits.
    init(bytes: [UInt8] = [], freeBits: Int = 0) {
        precondition((0...7).contains(freeBits) && (freeBits == 0 || !bytes.isEmpty))
        self.bytes = bytes
        storedFreeBits = UInt8(freeBits)
    }

    /// Total number of bits written.
    var bitCount: Int { bytes.count &* 8 &- freeBits }

    /// Reserves room for at least `byteCount` bytes in total.
    mutating func reserveCapacity(_ byteCount: Int) { bytes.reserveCapacity(byteCount) }

    /// Appends one bit.
    @inline(__always)
    mutating func writeBit(_ bit: Bool) {
        if freeBits == 0 {
            bytes.append(0)
            freeBits = 8
        }
        freeBits &-= 1
        if bit { bytes[bytes.count &- 1] |= 1 << UInt8(truncatingIfNeeded: freeBits) }
    }

    /// Appends the low `count` bits of `value` (0...64), most significant of them first.
    /// Bits of `value` above `count` are ignored.
    @inline(__always)
    mutating func writeBits(_ value: UInt64, _ count: Int) {
        guard count > 0 else { return }
        let field = count == 64 ? value : value & ((1 << UInt64(count)) &- 1)
        if count <= freeBits {  // fits in the partly filled last byte
            freeBits &-= count
            bytes[bytes.count &- 1] |= UInt8(truncatingIfNeeded: field << UInt64(freeBits))
            return
        }
        var remaining = count
        if freeBits > 0 {  // top bits complete the last byte
            remaining &-= freeBits
            bytes[bytes.count &- 1] |= UInt8(truncatingIfNeeded: field >> UInt64(remaining))
        }
        while remaining >= 8 {  // byte-aligned from here
            remaining &-= 8
            bytes.append(UInt8(truncatingIfNeeded: field >> UInt64(remaining)))
        }
        if remaining > 0 {
            bytes.append(UInt8(truncatingIfNeeded: field << UInt64(8 &- remaining)))
            freeBits = 8 &- remaining
        } else {
            freeBits = 0
        }
    }

    /// Appends a full byte (8 bits), at whatever bit position the writer is.
    @inline(__always)
    mutating func writeByte(_ byte: UInt8) { writeBits(UInt64(byte), 8) }

    /// Replaces `bytes` by a copy without unused capacity.
    mutating func shrinkToFit() {
        guard bytes.capacity > bytes.count else { return }
        bytes = bytes.withUnsafeBufferPointer { used in
            [UInt8](unsafeUninitializedCapacity: used.count) { buffer, initialized in
                _ = buffer.initialize(fromContentsOf: used)
                initialized = used.count
            }
        }
    }

    /// Overwrites a whole byte already written (used for fixed-position headers).
    mutating func setByte(_ byte: UInt8, at index: Int) { bytes[index] = byte }
}

/// Reads bits from a `[UInt8]` in the order `BitWriter` writes them.
///
/// Contract: reading past the end never traps; it returns zero bits and sets `overrun`, so a
/// decoder can check once per record instead of after every read. `bitOffset` is the number of
/// bits consumed so far (for error messages). Holds a copy-on-write reference to the bytes; no
/// allocation happens while reading.
struct BitReader: Sendable {
    private let bytes: [UInt8]
    /// Next byte of `bytes` to load into `buffer`.
    private var nextByte: Int
    /// Unconsumed bits, left-aligned (the next bit to read is bit 63).
    private var buffer: UInt64 = 0
    /// How many bits of `buffer` are valid.
    private var valid: Int = 0
    /// Set once any read asked for more bits than remain.
    private(set) var overrun = false

    /// Starts reading `bytes` at byte `offset`.
    init(bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.nextByte = min(max(offset, 0), bytes.count)
    }

    /// Number of bits consumed from the start of `bytes`.
    var bitOffset: Int { nextByte &* 8 &- valid }

    /// Number of bits not consumed yet.
    var remainingBits: Int { (bytes.count &- nextByte) &* 8 &+ valid }

    /// Tops `buffer` up to at least 57 valid bits, or to the end of the bytes.
    @inline(always)
    private mutating func refill() {
        if nextByte &+ 8 <= bytes.count {
            // Fast path: load 8 bytes big-endian and keep the whole bytes that fit. Bits past
            // `valid` may be set, but they are the stream's next bits, so re-adding them is harmless.
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: nextByte, as: UInt64.self) }
            buffer |= UInt64(bigEndian: word) >> UInt64(valid)
            let taken = (64 &- valid) >> 3
            valid &+= taken &<< 3
            nextByte &+= taken
            return
        }
        while valid <= 56 && nextByte < bytes.count {
            buffer |= UInt64(bytes[nextByte]) << UInt64(56 &- valid)
            valid &+= 8
            nextByte &+= 1
        }
    }

    /// Reads one bit (false past the end, with `overrun` set).
    @inline(always)
    mutating func readBit() -> Bool {
        if valid == 0 {
            refill()
            if valid == 0 {
                overrun = true
                return false
            }
        }
        let bit = buffer >> 63 != 0
        buffer <<= 1
        valid &-= 1
        return bit
    }

    /// Reads a `count`-bit field (0...64), most significant bit first, into the low bits of the result.
    @inline(always)
    mutating func readBits(_ count: Int) -> UInt64 {
        count > 56 ? readLongBits(count) : readShortBits(count)
    }

    /// `readBits` for 57...64 bits (a first value, a full-width XOR): two reads. Kept out of line so
    /// the short path inlines into the decoder's loops.
    @inline(never)
    private mutating func readLongBits(_ count: Int) -> UInt64 {
        let high = readShortBits(count &- 32)
        return high << 32 | readShortBits(32)
    }

    /// `readBits` for 0...56 bits, which one refill always covers.
    @inline(always)
    private mutating func readShortBits(_ count: Int) -> UInt64 {
        guard count > 0 else { return 0 }
        if valid < count {
            refill()
            if valid < count {
                overrun = true
                buffer = 0
                valid = 0
                return 0
            }
        }
        let result = buffer >> UInt64(64 &- count)
        buffer <<= UInt64(count)
        valid &-= count
        return result
    }

    /// Reads 8 bits.
    @inline(always)
    mutating func readByte() -> UInt8 { UInt8(truncatingIfNeeded: readBits(8)) }
}
