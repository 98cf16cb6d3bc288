import CCRC32C

/// CRC-32C (Castagnoli): the checksum guarding every write-ahead-log record.
///
/// Contract: `CRC32C.checksum(bytes)` is the standard CRC-32C — reflected polynomial 0x82F63B78,
/// initial value and final XOR 0xFFFFFFFF — so `checksum("123456789") == 0xE3069283`. `update`
/// continues a running checksum: `update(checksum(a), b) == checksum(a + b)`. Uses the CPU's
/// CRC-32C instruction where there is one (x86-64 with SSE4.2, through the `CCRC32C` C target),
/// else slicing-by-8 in software: eight 256-entry tables, eight input bytes per step. Both give
/// the same results (tested).
public enum CRC32C {
    /// Whether `update` uses the CPU instruction.
    static let hardware = ember_crc32c_hardware_available() != 0

    static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight tables back to back: entry `k * 256 + b` is the CRC contribution of byte `b`
    /// followed by `k` zero bytes.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            table[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }

    /// Continues the checksum `crc` (an earlier result, or 0 to start) over `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard hardware, let base = bytes.baseAddress else { return softwareUpdate(crc, bytes) }
        return ~ember_crc32c_hardware_update(~crc, base, bytes.count)
    }

    /// `update` with the tables only (other CPUs; and the tests' reference).
    static func softwareUpdate(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let count = bytes.count
        guard count > 0 else { return crc }
        var state = ~crc
        table.withUnsafeBufferPointer { t in
            var index = 0
            while index + 8 <= count {
                let low = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)) ^ state
                let high = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                state = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                index += 8
            }
            while index < count {
                state = (state >> 8) ^ t[Int((state ^ UInt32(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return ~state
    }
}
