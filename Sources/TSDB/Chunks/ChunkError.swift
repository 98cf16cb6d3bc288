/// Why stored chunk bytes could not be decoded.
///
/// Contract: every case names what was wrong and the byte offset (from the start of the chunk,
/// header included) at which the decoder noticed it. `sample` is the zero-based index of the
/// sample being decoded. Decoding never traps on bad input; it reports one of these instead.
public enum ChunkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than the 2 header bytes were present.
    case truncatedHeader(length: Int)
    /// The bytes ended in the middle of a sample.
    case truncated(sample: Int, byte: Int)
    /// A varint (first timestamp or first delta) ran longer than 10 bytes or overflowed 64 bits.
    case invalidVarint(sample: Int, byte: Int)
    /// A value reused the previous leading/trailing-zero window before one was defined, or a new
    /// window's leading zeros plus significant bits exceed 64.
    case invalidValueWindow(sample: Int, byte: Int)
    /// Whole bytes follow the last sample that the header announces.
    case trailingBytes(byte: Int, length: Int)
    /// The unused low bits of the last byte are not zero.
    case nonZeroPadding(byte: Int)

    public var description: String {
        switch self {
        case .truncatedHeader(let length):
            return "XOR chunk header truncated: need 2 bytes, got \(length)"
        case .truncated(let sample, let byte):
            return "XOR chunk truncated: data ends at byte \(byte) while decoding sample \(sample)"
        case .invalidVarint(let sample, let byte):
            return "XOR chunk corrupt: malformed varint at byte \(byte) in sample \(sample)"
        case .invalidValueWindow(let sample, let byte):
            return "XOR chunk corrupt: invalid value bit window at byte \(byte) in sample \(sample)"
        case .trailingBytes(let byte, let length):
            return "XOR chunk corrupt: unexpected data from byte \(byte) (chunk length \(length)) after the last sample"
        case .nonZeroPadding(let byte):
            return "XOR chunk corrupt: non-zero padding bits in last byte \(byte)"
        }
    }
}
