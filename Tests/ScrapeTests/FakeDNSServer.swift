import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A tiny authoritative DNS server on 127.0.0.1 (UDP, a free port) that answers SRV questions
/// from a fixed table and NXDOMAIN for everything else. It serves from its own thread, polling
/// every 100 ms for `stop()`.
final class FakeDNSServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let stopped = Atomic<Bool>(false)
    private let table: [String: [(UInt16, String)]]

    init(srv: [(String, [(UInt16, String)])]) throws {
        table = Dictionary(uniqueKeysWithValues: srv.map { ($0.0.lowercased(), $0.1) })
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("cannot bind the fake DNS server") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 512)
        while !stopped.load(ordering: .relaxed) {
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &peerLength) }
            }
            guard count > 12 else { continue }
            let reply = answer(Array(buffer[0..<count]))
            _ = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, peerLength) }
            }
        }
        close(fd)
    }

    private func answer(_ query: [UInt8]) -> [UInt8] {
        var position = 12
        var labels: [String] = []
        while position < query.count, query[position] != 0 {
            let length = Int(query[position])
            labels.append(String(decoding: query[(position + 1)..<(position + 1 + length)], as: UTF8.self))
            position += 1 + length
        }
        let questionEnd = position + 5
        let name = labels.joined(separator: ".").lowercased() + "."
        let records = table[name] ?? []
        var out = Array(query[0..<2]) + [0x84, records.isEmpty ? 0x03 : 0x00, 0, 1, 0, UInt8(records.count), 0, 0, 0, 0]
        out += query[12..<questionEnd]
        for (port, target) in records {
            var rdata: [UInt8] = [0, 10, 0, 5, UInt8(port >> 8), UInt8(port & 0xff)]
            for label in target.split(separator: ".") {
                rdata.append(UInt8(label.utf8.count))
                rdata += Array(label.utf8)
            }
            rdata.append(0)
            out += [0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 60, UInt8(rdata.count >> 8), UInt8(rdata.count & 0xff)] + rdata
        }
        return out
    }
}
