import Foundation
import Glibc
import Synchronization

/// A loopback listener that accepts connections, reads each request, writes `reply` (possibly
/// only the start of a response) and then keeps the connection open without a further byte
/// until `close()`: a target whose head or body never completes.
final class StallingListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let reply: [UInt8]
    private let accepted = Connections()
    private let thread: Thread

    init(reply: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestFailure("cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.reply = Array(reply.utf8)
        let bytes = self.reply
        let accepted = self.accepted
        thread = Thread {
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 { return }
                accepted.fds.withLock { $0.append(connection) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &buffer, buffer.count)
                _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            }
        }
        thread.start()
    }

    var address: String { "127.0.0.1:\(port)" }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        _ = Glibc.close(fd)
        for connection in accepted.fds.withLock({ $0 }) { _ = Glibc.close(connection) }
    }
}

private final class Connections: Sendable {
    let fds = Mutex<[Int32]>([])
}
