import AsyncHTTPClient
import Config
import Foundation
import NIOHTTP1

/// Which proxy a scrape goes through, decided per target URL the way Prometheus's HTTP client
/// (Go's `net/http` with `golang.org/x/net/http/httpproxy`) decides it.
///
/// Contract: with `proxy_url` and no `no_proxy`, every request uses that proxy. With `no_proxy`
/// (or `proxy_from_environment`, which reads `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` and their
/// lower-case forms once, by the target's scheme) `localhost` and loopback addresses go direct, as
/// does any host matched by an entry of the comma-separated list: `*`; an IP; a CIDR; a domain,
/// which matches itself and its subdomains (`.domain` only its subdomains); each optionally
/// with `:port`. `http://` proxies are reached with HTTP `CONNECT` (AsyncHTTPClient tunnels every
/// request, plain HTTP included), credentials in the proxy URL become `Proxy-Authorization`,
/// `proxy_connect_header` is sent on the `CONNECT`; `socks5://` proxies are SOCKSv5. Other proxy
/// schemes fail the scrape with an error naming the scheme.
public struct ProxySettings: Sendable, Hashable {
    /// A proxy to use: what `HTTPClient.Configuration.proxy` needs, hashable for client caching.
    struct Route: Sendable, Hashable {
        var host: String
        var port: Int
        var socks: Bool
        var username: String?
        var password: String?
        var connectHeaders: [String: [String]]

        var configuration: HTTPClient.Configuration.Proxy {
            if socks { return .socksServer(host: host, port: port) }
            var headers = HTTPHeaders()
            for (name, values) in connectHeaders.sorted(by: { $0.key < $1.key }) {
                for value in values { headers.add(name: name, value: value) }
            }
            let authorization = username.map { HTTPClient.Authorization.basic(username: $0, password: password ?? "") }
            return .server(host: host, port: port, authorization: authorization, connectHeaders: headers)
        }
    }

    var httpProxy = ""
    var httpsProxy = ""
    var noProxy = ""
    /// Whether the loopback and `no_proxy` rules apply (Go applies them only through `httpproxy`).
    var filtered = false
    var connectHeaders: [String: [String]] = [:]

    public init() {}

    public init(_ config: HTTPClientConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        connectHeaders = config.proxyConnectHeader
        if config.proxyFromEnvironment {
            func variable(_ name: String) -> String { environment[name] ?? environment[name.lowercased()] ?? "" }
            httpProxy = variable("HTTP_PROXY")
            httpsProxy = variable("HTTPS_PROXY")
            noProxy = variable("NO_PROXY")
            filtered = true
        } else if !config.proxyURL.isEmpty {
            httpProxy = config.proxyURL
            httpsProxy = config.proxyURL
            noProxy = config.noProxy
            filtered = !config.noProxy.isEmpty
        }
    }

    var isEmpty: Bool { httpProxy.isEmpty && httpsProxy.isEmpty }

    /// The proxy for a request to `url`, or nil to connect directly.
    func route(for url: String) throws(ScrapeError) -> Route? {
        guard !isEmpty, let components = URLComponents(string: url), let host = components.host else { return nil }
        let scheme = components.scheme?.lowercased() ?? "http"
        let proxy = scheme == "https" ? httpsProxy : httpProxy
        guard !proxy.isEmpty else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        if filtered && !Self.useProxy(host: host, port: port, noProxy: noProxy) { return nil }
        return try Self.parse(proxy, connectHeaders: connectHeaders)
    }

    static func parse(_ text: String, connectHeaders: [String: [String]]) throws(ScrapeError) -> Route {
        // Go's httpproxy takes a bare host:port as http://host:port.
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URLComponents(string: withScheme), let host = url.host, !host.isEmpty else {
            throw .transport("invalid proxy URL \(text)")
        }
        let scheme = url.scheme?.lowercased() ?? "http"
        switch scheme {
        case "http":
            return Route(host: host, port: url.port ?? 80, socks: false, username: url.user, password: url.password,
                         connectHeaders: connectHeaders)
        case "socks5", "socks5h":
            return Route(host: host, port: url.port ?? 1080, socks: true, username: nil, password: nil, connectHeaders: [:])
        default:
            throw .transport("proxy scheme \(scheme) is not supported (use http or socks5)")
        }
    }

    /// False when `host` is exempt: localhost, a loopback address, or matched by `noProxy`.
    static func useProxy(host rawHost: String, port: Int, noProxy: String) -> Bool {
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" { return false }
        let ip = IPAddressBytes(host)
        if let ip, ip.isLoopback { return false }
        for rawEntry in noProxy.split(separator: ",") {
            var entry = rawEntry.trimmingCharacters(in: .whitespaces).lowercased()
            if entry.isEmpty { continue }
            if entry == "*" { return false }
            if entry.contains("/") {
                if let ip, let network = CIDR(entry), network.contains(ip) { return false }
                continue
            }
            var entryPort: Int?
            if let colon = entry.lastIndex(of: ":"), !entry.hasSuffix("]"), entry.filter({ $0 == ":" }).count == 1 {
                entryPort = Int(entry[entry.index(after: colon)...])
                entry = String(entry[..<colon])
            }
            entry = entry.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if let entryPort, entryPort != port { continue }
            if let entryIP = IPAddressBytes(entry) {
                if let ip, ip == entryIP { return false }
                continue
            }
            if entry.hasPrefix("*.") { entry.removeFirst() }
            if entry.hasPrefix(".") {
                if host.hasSuffix(entry) { return false }
            } else if host == entry || host.hasSuffix("." + entry) {
                return false
            }
        }
        return true
    }
}

/// An IPv4 or IPv6 address as bytes (IPv4 as 4 bytes).
struct IPAddressBytes: Hashable {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            // An IPv4-mapped IPv6 address compares as IPv4.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { bytes = Array(bytes[12...]) }
        } else {
            return nil
        }
    }

    var isLoopback: Bool {
        bytes.count == 4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }
}

/// An address block like `10.0.0.0/8` or `fd00::/8`.
struct CIDR {
    var network: IPAddressBytes
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let network = IPAddressBytes(String(parts[0])), let prefix = Int(parts[1]),
              prefix >= 0, prefix <= network.bytes.count * 8 else { return nil }
        self.network = network
        self.prefix = prefix
    }

    func contains(_ address: IPAddressBytes) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address.bytes, network.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xff : ~(0xff >> UInt8(bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }
}
