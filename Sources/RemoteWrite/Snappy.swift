import CSnappy

/// Snappy block format (not the framed stream format), as remote write sends it, through the
/// system's libsnappy.
///
/// Contract: `decompress` rejects corrupt input and any block whose declared length is over
/// `maxDecodedBytes` before allocating it; messages match Go's `github.com/golang/snappy`, which
/// is what Prometheus answers with.
public enum Snappy {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case corruptInput
        case tooLarge(declared: Int, limit: Int)

        public var description: String {
            switch self {
            case .corruptInput: return "snappy: corrupt input"
            case let .tooLarge(declared, limit):
                return "snappy: decoded block is too large (\(declared) bytes, limit \(limit))"
            }
        }
    }

    public static func decompress(_ compressed: [UInt8], maxDecodedBytes: Int) throws(Failure) -> [UInt8] {
        var length = 0
        let lengthStatus = compressed.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                snappy_uncompressed_length(chars.baseAddress, chars.count, &length)
            }
        }
        guard lengthStatus == SNAPPY_OK else { throw .corruptInput }
        guard length <= maxDecodedBytes else { throw .tooLarge(declared: length, limit: maxDecodedBytes) }
        var output = [UInt8](repeating: 0, count: length)
        var outputLength = length
        let status = compressed.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                output.withUnsafeMutableBufferPointer { out in
                    out.withMemoryRebound(to: CChar.self) { outChars in
                        snappy_uncompress(chars.baseAddress, chars.count, outChars.baseAddress, &outputLength)
                    }
                }
            }
        }
        guard status == SNAPPY_OK, outputLength == length else { throw .corruptInput }
        return output
    }

    /// Compresses into one snappy block (used by tests and any future remote-write sender).
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var outputLength = snappy_max_compressed_length(bytes.count)
        var output = [UInt8](repeating: 0, count: outputLength)
        let status = bytes.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                output.withUnsafeMutableBufferPointer { out in
                    out.withMemoryRebound(to: CChar.self) { outChars in
                        snappy_compress(chars.baseAddress, chars.count, outChars.baseAddress, &outputLength)
                    }
                }
            }
        }
        // Only a too-small output buffer fails, and snappy_max_compressed_length rules that out.
        precondition(status == SNAPPY_OK, "snappy_compress failed with a buffer of its own maximum size")
        output.removeSubrange(outputLength...)
        return output
    }
}
