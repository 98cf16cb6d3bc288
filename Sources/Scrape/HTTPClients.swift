import AsyncHTTPClient
import Synchronization

/// The HTTP clients scrapes and HTTP discovery share: the one Ember was started with (it follows
/// redirects) and, made on first use, one that does not (`follow_redirects: false`), plus the
/// discovery knobs tests turn down.
///
/// Contract: TLS and credentials vary per request, so these two clients serve every config
/// without a proxy and with HTTP/2 allowed. A proxy (`proxy_url` & co.) or `enable_http2: false`
/// is a client setting, so each such combination gets a client of its own, made on first use and
/// kept for reuse. `shutdown()` shuts down only the clients made here, never the one passed in.
final class HTTPClients: Sendable {
    /// What distinguishes one made client from another.
    struct Key: Hashable {
        var followRedirects: Bool
        var proxy: ProxySettings.Route?
        var http1Only: Bool
    }

    private let following: HTTPClient
    private let notFollowing = Mutex<HTTPClient?>(nil)
    private let special = Mutex<[Key: HTTPClient]>([:])
    let filePollInterval: Duration
    let dnsResolver: any DNSResolver

    init(client: HTTPClient, filePollInterval: Duration, dnsResolver: any DNSResolver) {
        following = client
        self.filePollInterval = filePollInterval
        self.dnsResolver = dnsResolver
    }

    func client(followRedirects: Bool) -> HTTPClient {
        if followRedirects { return following }
        return notFollowing.withLock { client in
            if let client { return client }
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                         decompression: .enabled(limit: .ratio(100)))
            configuration.connectionPool.retryConnectionEstablishment = false
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            client = made
            return made
        }
    }

    /// The client for a combination of redirect policy, proxy and HTTP version.
    func client(_ key: Key) -> HTTPClient {
        if key.proxy == nil && !key.http1Only { return client(followRedirects: key.followRedirects) }
        return special.withLock { clients in
            if let client = clients[key] { return client }
            let made = HTTPClient(eventLoopGroupProvider: .singleton,
                                  configuration: Self.configuration(key, dnsOverride: [:]))
            clients[key] = made
            return made
        }
    }

    /// A scrape client's configuration: one connection attempt per scrape, decompression bounded.
    static func configuration(_ key: Key, dnsOverride: [String: String]) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: key.followRedirects ? .follow(max: 10, allowCycles: false) : .disallow,
            decompression: .enabled(limit: .ratio(100)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.proxy = key.proxy?.configuration
        if key.http1Only { configuration.httpVersion = .http1Only }
        configuration.dnsOverride = dnsOverride
        return configuration
    }

    func shutdown() async {
        let made = notFollowing.withLock { client in
            defer { client = nil }
            return client
        }
        try? await made?.shutdown()
        let others = special.withLock { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in others { try? await client.shutdown() }
    }
}
