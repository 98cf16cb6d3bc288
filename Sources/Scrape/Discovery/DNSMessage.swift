#if canImport(Glibc)
import Glibc
#endif

/// A minimal DNS client (RFC 1035): one question over UDP, answers of type SRV, MX, NS, A, AAAA
/// decoded (name compression included), everything else skipped.
enum DNSMessage {
    static let typeCodes: [String: UInt16] = ["A": 1, "NS": 2, "MX": 15, "AAAA": 28, "SRV": 33]

    /// The query bytes for `name`/`type` with recursion desired.
    static func encodeQuery(_ name: String, type: UInt16, id: UInt16) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        out.append(0)
        out += [UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        return out
    }

    /// The answers of `type` in `message`, which must answer query `id`.
    static func decodeAnswers(_ message: [UInt8], type: UInt16, id: UInt16) throws(DNSLookupError) -> [DNSRecord] {
        guard message.count >= 12 else { throw DNSLookupError("short DNS response") }
        guard UInt16(message[0]) << 8 | UInt16(message[1]) == id else { throw DNSLookupError("DNS response for another query") }
        let rcode = message[3] & 0x0f
        if rcode == 3 { return [] }
        guard rcode == 0 else { throw DNSLookupError("DNS server answered with rcode \(rcode)") }
        let questions = Int(message[4]) << 8 | Int(message[5])
        let answers = Int(message[6]) << 8 | Int(message[7])
        var reader = Reader(bytes: message, position: 12)
        for _ in 0..<questions {
            _ = try reader.name()
            try reader.skip(4)
        }
        var out: [DNSRecord] = []
        for _ in 0..<answers {
            _ = try reader.name()
            let recordType = try reader.uint16()
            try reader.skip(6) // class, TTL
            let length = Int(try reader.uint16())
            let end = reader.position + length
            guard end <= message.count else { throw DNSLookupError("truncated DNS record") }
            if recordType == type {
                switch recordType {
                case 1 where length == 4:
                    out.append(.a(message[reader.position..<end].map { String($0) }.joined(separator: ".")))
                case 28 where length == 16:
                    out.append(.aaaa(ipv6Text(Array(message[reader.position..<end]))))
                case 33:
                    try reader.skip(4) // priority, weight
                    let port = Int(try reader.uint16())
                    out.append(.srv(target: try reader.name(), port: port))
                case 15:
                    try reader.skip(2)
                    out.append(.mx(try reader.name()))
                case 2:
                    out.append(.ns(try reader.name()))
                default: break
                }
            }
            reader.position = end
        }
        return out
    }

    static func ipv6Text(_ bytes: [UInt8]) -> String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { raw in for index in 0..<16 { raw[index] = bytes[index] } }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        return cText(buffer)
    }

    struct Reader {
        let bytes: [UInt8]
        var position: Int

        mutating func skip(_ count: Int) throws(DNSLookupError) {
            guard position + count <= bytes.count else { throw DNSLookupError("truncated DNS response") }
            position += count
        }

        mutating func uint16() throws(DNSLookupError) -> UInt16 {
            guard position + 2 <= bytes.count else { throw DNSLookupError("truncated DNS response") }
            defer { position += 2 }
            return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
        }

        /// A domain name, absolute (with its trailing dot), following compression pointers.
        mutating func name() throws(DNSLookupError) -> String {
            var labels: [String] = []
            var cursor = position
            var jumped = false
            var jumps = 0
            while true {
                guard cursor < bytes.count else { throw DNSLookupError("truncated DNS name") }
                let length = Int(bytes[cursor])
                if length == 0 {
                    if !jumped { position = cursor + 1 }
                    break
                }
                if length & 0xc0 == 0xc0 {
                    guard cursor + 1 < bytes.count, jumps < 64 else { throw DNSLookupError("bad DNS name pointer") }
                    if !jumped { position = cursor + 2 }
                    cursor = (length & 0x3f) << 8 | Int(bytes[cursor + 1])
                    jumped = true
                    jumps += 1
                    continue
                }
                guard cursor + 1 + length <= bytes.count else { throw DNSLookupError("truncated DNS name") }
                labels.append(String(decoding: bytes[(cursor + 1)...(cursor + length)], as: UTF8.self))
                cursor += 1 + length
            }
            return labels.joined(separator: ".") + "."
        }
    }

    /// Sends one query to `server:port` over UDP and decodes the answers (blocking).
    static func query(_ name: String, type: UInt16, server: String, port: UInt16,
                      timeout: Duration) throws(DNSLookupError) -> [DNSRecord] {
        let id = UInt16.random(in: 0...UInt16.max)
        let query = encodeQuery(name, type: type, id: id)
        let isV6 = server.contains(":")
        let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw DNSLookupError("cannot open a UDP socket") }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let sent: Int
        if isV6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, server, &address.sin6_addr) == 1 else { throw DNSLookupError("bad name server address \(server)") }
            sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, server, &address.sin_addr) == 1 else { throw DNSLookupError("bad name server address \(server)") }
            sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == query.count else { throw DNSLookupError("sending the DNS query to \(server) failed") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let received = recv(fd, &buffer, buffer.count, 0)
        guard received > 0 else { throw DNSLookupError("no DNS answer from \(server):\(port) for \(name)") }
        return try decodeAnswers(Array(buffer[0..<received]), type: type, id: id)
    }
}

/// The text of a NUL-terminated C buffer.
func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
