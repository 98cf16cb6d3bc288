import Logging
import MetricModel

/// Names and finds block directories.
///
/// Contract: a block directory's name is a ULID (26 characters of Crockford base32: a 48-bit
/// millisecond timestamp, then 80 random bits), so sorting names sorts blocks by creation time.
/// A directory named `<ulid>.tmp` is a block whose writing did not finish; `list` deletes it.
public enum BlockDirectory {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new ULID for time `now` (milliseconds since the epoch; only its low 48 bits are kept).
    public static func newULID(now: Timestamp = currentTimestamp()) -> String {
        var generator = SystemRandomNumberGenerator()
        return newULID(now: now, using: &generator)
    }

    /// A new ULID for time `now` with randomness from `generator`.
    public static func newULID(now: Timestamp, using generator: inout some RandomNumberGenerator) -> String {
        let time = UInt64(bitPattern: now) & 0xFFFF_FFFF_FFFF
        let high = generator.next() & 0xFFFF  // 16 of the 80 random bits
        let low = generator.next()              // the other 64
        // 128 bits: time(48) | high(16) | low(64), as 26 base32 digits from the top; the first digit has 3 bits.
        let top = time << 16 | high
        var out = [UInt8](repeating: 0, count: 26)
        for index in 0..<26 {
            let bit = 125 - 5 * index  // this digit's lowest bit, counted from the bottom
            let digit: UInt64
            if bit >= 64 {
                digit = (top >> UInt64(bit - 64)) & 0x1F
            } else if bit + 5 <= 64 {
                digit = (low >> UInt64(bit)) & 0x1F
            } else {
                digit = ((low >> UInt64(bit)) | (top << UInt64(64 - bit))) & 0x1F
            }
            out[index] = alphabet[Int(digit)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `name` is a ULID: 26 Crockford base32 digits (upper case), the first at most 7.
    public static func isULID(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 26, bytes[0] <= UInt8(ascii: "7") else { return false }
        return bytes.allSatisfy { alphabet.contains($0) }
    }

    /// The millisecond timestamp a ULID carries, or nil when `ulid` is not one.
    public static func time(ofULID ulid: String) -> Timestamp? {
        guard isULID(ulid) else { return nil }
        var value: UInt64 = 0
        for byte in ulid.utf8.prefix(10) { value = value << 5 | UInt64(alphabet.firstIndex(of: byte)!) }
        return Timestamp(value)
    }

    /// The block directories (named by a valid ULID) directly under `parent`, as full paths sorted
    /// by name, i.e. by creation time. Deletes every leftover `*.tmp` directory (a block write that
    /// did not finish), logging each at warning level. A missing `parent` holds no blocks.
    public static func list(parent: String, logger: Logger? = nil) throws(BlockError) -> [String] {
        guard WALFiles.isDirectory(parent) else { return [] }
        var blocks: [String] = []
        for name in try blockIO(parent, { () throws(WALError) in try WALFiles.list(parent) }) {
            let path = parent + "/" + name
            guard WALFiles.isDirectory(path) else { continue }
            if name.hasSuffix(".tmp") {
                logger?.warning("Removing a block directory left over from an unfinished write",
                                metadata: ["dir": "\(path)"])
                try blockIO(path) { () throws(WALError) in try WALFiles.remove(path) }
            } else if isULID(name) {
                blocks.append(path)
            }
        }
        return blocks
    }
}
