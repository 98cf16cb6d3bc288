import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The machine's resolver: A and AAAA through `getaddrinfo` (so `/etc/hosts` and NSS apply, and
/// `localhost` resolves), SRV, MX and NS with a plain DNS query over UDP to a name server
/// (`nameserver` given, else the first of `/etc/resolv.conf`).
///
/// Contract: blocking calls run off the Swift concurrency pool; a query times out after
/// `timeout`; NXDOMAIN (or `EAI_NONAME`) is an empty answer.
public struct SystemDNSResolver: DNSResolver {
    let nameserver: String?
    let port: UInt16
    let timeout: Duration

    public init(nameserver: String? = nil, port: UInt16 = 53, timeout: Duration = .seconds(5)) {
        self.nameserver = nameserver
        self.port = port
        self.timeout = timeout
    }

    public func lookup(_ name: String, type: String) async throws(DNSLookupError) -> [DNSRecord] {
        let result: Result<[DNSRecord], DNSLookupError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(DNSLookupError) -> [DNSRecord] in
                    switch type {
                    case "A": return try Self.addresses(name, family: AF_INET)
                    case "AAAA": return try Self.addresses(name, family: AF_INET6)
                    default:
                        guard let code = DNSMessage.typeCodes[type] else { throw DNSLookupError("unsupported record type \(type)") }
                        guard let server = nameserver ?? Self.systemNameserver() else {
                            throw DNSLookupError("no name server in /etc/resolv.conf")
                        }
                        return try DNSMessage.query(name, type: code, server: server, port: port, timeout: timeout)
                    }
                })
            }
        }
        return try result.get()
    }

    static func addresses(_ name: String, family: Int32) throws(DNSLookupError) -> [DNSRecord] {
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        // EAI_NONAME, and glibc's EAI_NODATA (-5) and EAI_ADDRFAMILY (-9): the name has no such address.
        if status == EAI_NONAME || status == -5 || status == -9 { return [] }
        guard status == 0 else { throw DNSLookupError("lookup \(name): \(String(cString: gai_strerror(status)))") }
        var out: [DNSRecord] = []
        var node = list
        while let current = node {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if family == AF_INET, let address = current.pointee.ai_addr {
                var sin = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                inet_ntop(AF_INET, &sin.sin_addr, &buffer, socklen_t(buffer.count))
                let text = cText(buffer)
                if !out.contains(.a(text)) { out.append(.a(text)) }
            } else if family == AF_INET6, let address = current.pointee.ai_addr {
                var sin6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                inet_ntop(AF_INET6, &sin6.sin6_addr, &buffer, socklen_t(buffer.count))
                let text = cText(buffer)
                if !out.contains(.aaaa(text)) { out.append(.aaaa(text)) }
            }
            node = current.pointee.ai_next
        }
        return out
    }

    static func systemNameserver() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2 && fields[0] == "nameserver" { return String(fields[1]) }
        }
        return nil
    }
}
