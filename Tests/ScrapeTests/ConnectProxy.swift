import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A tiny HTTP `CONNECT` proxy on a free loopback port, for proxy tests: it tunnels to loopback
/// targets only and records each `CONNECT` target with its request headers (names lower-cased).
final class ConnectProxy: Sendable {
    struct Connect: Sendable, Equatable {
        var target: String
        var headers: [String: String]
    }

    let port: Int
    private let listener: Int32
    let connects = Mutex<[Connect]>([])

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw TestFailure("proxy: bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let listener = fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                Thread.detachNewThread { self.serve(client) }
            }
        }
    }

    var targets: [String] { connects.withLock { $0.map(\.target) } }

    /// Stops accepting (open tunnels end when either side closes).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve(_ client: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil && buffer.count < 65536 {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { close(client); return }
            buffer += chunk[0..<count]
            if let range = buffer.firstRange(of: terminator) { headerEnd = range.upperBound }
        }
        guard let headerEnd else { close(client); return }
        let head = String(decoding: buffer[..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in head.dropFirst() where line.contains(":") {
            let colon = line.firstIndex(of: ":")!
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard requestLine.count == 3, requestLine[0] == "CONNECT" else {
            _ = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client)
            return
        }
        let target = String(requestLine[1])
        connects.withLock { $0.append(Connect(target: target, headers: headers)) }
        guard target.hasPrefix("127.0.0.1:"), let targetPort = UInt16(target.dropFirst("127.0.0.1:".count)) else {
            _ = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client)
            return
        }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = targetPort.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            _ = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".withCString { write(client, $0, strlen($0)) }
            close(client)
            close(upstream)
            return
        }
        _ = "HTTP/1.1 200 Connection established\r\n\r\n".withCString { write(client, $0, strlen($0)) }
        let early = Array(buffer[headerEnd...])
        if !early.isEmpty { _ = early.withUnsafeBytes { write(upstream, $0.baseAddress, $0.count) } }
        Thread.detachNewThread {
            Self.pump(from: upstream, to: client)
        }
        Self.pump(from: client, to: upstream)
    }

    /// Copies until either side ends, then shuts both down (each side's pump closes its source).
    private static func pump(from source: Int32, to destination: Int32) {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = read(source, &chunk, chunk.count)
            if count <= 0 { break }
            var offset = 0
            while offset < count {
                let written = chunk[offset..<count].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
            if offset < count { break }
        }
        shutdown(destination, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
        close(source)
    }
}
