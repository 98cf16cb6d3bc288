/// Builds the primitive encodings of the block format (see docs/format/block.md) into a byte array.
struct ByteEncoder {
    var bytes: [UInt8] = []

    /// Little-endian base-128 varint, 7 bits per byte, high bit set on all but the last.
    mutating func uvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// A zig-zag mapped signed varint.
    mutating func varint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func be32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func be64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func append(_ other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }
}

/// Reads primitives from a region of a mapped file. Every read is bounds-checked; a read past the
/// region's end throws a `BlockError` naming the file and the absolute offset of the failed read.
struct ByteDecoder {
    let file: MappedFile
    private(set) var position: Int
    let end: Int

    init(_ file: MappedFile, from start: Int, to end: Int) {
        self.file = file
        self.position = start
        self.end = end
    }

    var remaining: Int { end - position }

    func failure(_ reason: String, at offset: Int? = nil) -> BlockError {
        .corrupt(file.path, at: offset ?? position, reason)
    }

    private func need(_ count: Int, _ what: String) throws(BlockError) {
        guard count >= 0, count <= end - position else {
            throw failure("\(what) runs past the end of its region (needs \(count) bytes, \(end - position) left)")
        }
    }

    mutating func byte() throws(BlockError) -> UInt8 {
        try need(1, "byte")
        defer { position += 1 }
        return file.buffer[position]
    }

    mutating func uvarint() throws(BlockError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw failure("varint runs past the end of its region", at: start) }
            let b = file.buffer[position]
            position += 1
            if shift == 63 && b > 1 { throw failure("varint overflows 64 bits", at: start) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw failure("varint longer than 10 bytes", at: start) }
        }
    }

    mutating func varint() throws(BlockError) -> Int64 {
        let raw = try uvarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A uvarint that must fit an `Int` no larger than `limit`.
    mutating func count(limit: Int, _ what: String) throws(BlockError) -> Int {
        let start = position
        let value = try uvarint()
        guard value <= UInt64(limit) else { throw failure("\(what) \(value) exceeds \(limit)", at: start) }
        return Int(value)
    }

    mutating func be32() throws(BlockError) -> UInt32 {
        try need(4, "32-bit integer")
        defer { position += 4 }
        return file.be32(at: position)
    }

    mutating func be64() throws(BlockError) -> UInt64 {
        try need(8, "64-bit integer")
        defer { position += 8 }
        return UInt64(file.be32(at: position)) << 32 | UInt64(file.be32(at: position + 4))
    }

    mutating func string(count: Int) throws(BlockError) -> String {
        try need(count, "string")
        defer { position += count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: file.buffer[position..<(position + count)]), as: UTF8.self)
    }

    mutating func bytes(count: Int) throws(BlockError) -> [UInt8] {
        try need(count, "byte range")
        defer { position += count }
        return Array(file.buffer[position..<(position + count)])
    }

    mutating func skip(_ count: Int) throws(BlockError) {
        try need(count, "skipped range")
        position += count
    }
}
