import CLZ4

/// Block compression with the system liblz4 (raw LZ4 blocks: no frame header, no checksum).
///
/// Contract: `decompress(compress(x), decompressedSize: x.count) == x` for every input up to
/// `maxInputSize` bytes. The caller must store the uncompressed size alongside the block.
/// `decompress` never reads or writes out of bounds on hostile input: it throws `LZ4Error`
/// instead. Both functions are thread-safe (liblz4's block API keeps no global state).
public enum LZ4 {
    /// Largest input liblz4 accepts (`LZ4_MAX_INPUT_SIZE`).
    public static let maxInputSize = 0x7E00_0000

    /// Compresses `input` into one LZ4 block. Traps if `input` exceeds `maxInputSize`.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        precondition(input.count <= maxInputSize, "LZ4 input of \(input.count) bytes is too large")
        let srcSize = Int32(input.count)
        let bound = LZ4_compressBound(srcSize)
        return input.withUnsafeBytes { src in
            [UInt8](unsafeUninitializedCapacity: Int(bound)) { dst, initialized in
                // An empty array may have no base address; liblz4 still wants a valid pointer.
                var scratch: UInt8 = 0
                initialized = withUnsafeMutablePointer(to: &scratch) { fallback in
                    let srcPointer = UnsafeRawPointer(src.baseAddress ?? UnsafeRawPointer(fallback))
                    let written = LZ4_compress_default(
                        srcPointer.assumingMemoryBound(to: CChar.self),
                        UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self),
                        srcSize, bound)
                    precondition(written > 0, "LZ4_compress_default failed with a bound-sized buffer")
                    return Int(written)
                }
            }
        }
    }

    /// Decompresses one LZ4 block that must expand to exactly `decompressedSize` bytes.
    public static func decompress(_ input: [UInt8], decompressedSize: Int) throws(LZ4Error) -> [UInt8] {
        guard decompressedSize >= 0, decompressedSize <= maxInputSize else {
            throw .invalidSize(decompressedSize)
        }
        guard !input.isEmpty, input.count <= Int(Int32.max) else {
            throw .corrupt(inputLength: input.count, code: 0)
        }
        var code: Int32 = 0
        let output = input.withUnsafeBytes { src in
            // Capacity is at least 1 so the destination pointer is never nil.
            [UInt8](unsafeUninitializedCapacity: max(decompressedSize, 1)) { dst, initialized in
                code = LZ4_decompress_safe(
                    src.baseAddress!.assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self),
                    Int32(input.count), Int32(decompressedSize))
                initialized = code > 0 ? Int(code) : 0
            }
        }
        if code < 0 { throw .corrupt(inputLength: input.count, code: code) }
        if Int(code) != decompressedSize { throw .sizeMismatch(expected: decompressedSize, actual: Int(code)) }
        return output
    }
}

/// Why `LZ4.decompress` rejected its input.
///
/// Contract: thrown instead of ever producing partial or out-of-bounds output.
public enum LZ4Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The block is malformed (liblz4 returned the negative `code`) or empty.
    case corrupt(inputLength: Int, code: Int32)
    /// The block is valid but expands to `actual` bytes instead of the `expected` size.
    case sizeMismatch(expected: Int, actual: Int)
    /// The requested decompressed size is negative or larger than liblz4 supports.
    case invalidSize(Int)

    public var description: String {
        switch self {
        case .corrupt(let length, let code):
            return "LZ4 block of \(length) bytes is corrupt (liblz4 error \(code); decoder stopped near input byte \(max(-Int(code) - 1, 0)))"
        case .sizeMismatch(let expected, let actual):
            return "LZ4 block decompressed to \(actual) bytes, expected \(expected)"
        case .invalidSize(let size):
            return "invalid LZ4 decompressed size \(size)"
        }
    }
}
