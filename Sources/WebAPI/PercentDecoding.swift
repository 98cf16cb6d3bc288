/// Percent-decoding of URL paths and query strings.
///
/// Contract: `%XX` (two hex digits, either case) is the byte XX; with `plusIsSpace` (query strings
/// and forms) `+` is a space; every other byte, including a `%` not followed by two hex digits,
/// is kept. `malformed` says whether such a `%` was met, for callers that then keep the text as
/// written.
enum PercentDecoding {
    static func decode(_ bytes: some Collection<UInt8>, plusIsSpace: Bool) -> (bytes: [UInt8], malformed: Bool) {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var malformed = false, index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "%"), index + 2 < input.count,
               let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            if byte == UInt8(ascii: "%") { malformed = true }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return (out, malformed)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
