import AsyncHTTPClient
import Synchronization

/// The HTTP clients scrapes and HTTP discovery share: the one Ember was started with (it follows
/// redirects) and, made on first use, one that does not (`follow_redirects: false`), plus the
/// discovery knobs tests turn down.
///
/// Contract: TLS and credentials vary per request, so these two clients serve every config.
/// `shutdown()` shuts down only the clients made here, never the one passed in.
final class HTTPClients: Sendable {
    private let following: HTTPClient
    private let notFollowing = Mutex<HTTPClient?>(nil)
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

    func shutdown() async {
        let made = notFollowing.withLock { client in
            defer { client = nil }
            return client
        }
        try? await made?.shutdown()
    }
}
