import AsyncHTTPClient
import Config
import Exposition
import Foundation
import MetricModel
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Why a scrape produced no usable body. The description is what the target's `lastError` shows.
public enum ScrapeError: Error, Equatable, Sendable, CustomStringConvertible {
    case timeout(milliseconds: Int64)
    case badStatus(Int, String)
    case bodyTooLarge(limit: Int)
    case transport(String)
    case parse(String)
    /// A scrape or label limit was exceeded; the whole scrape is refused.
    case limit(String)

    public var description: String {
        switch self {
        case let .timeout(ms): return "context deadline exceeded (scrape timeout \(PrometheusDuration.format(ms)))"
        case let .badStatus(code, reason): return "server returned HTTP status \(code) \(reason)"
        case .bodyTooLarge: return "body size limit exceeded"
        case let .transport(message): return message
        case let .parse(message): return message
        case let .limit(message): return message
        }
    }
}

/// The HTTP side of a scrape config: credentials, TLS and compression, resolved once per pool.
///
/// Contract: credential files (`password_file`, `credentials_file`, `bearer_token_file`) are read
/// on every scrape, so rotated secrets are picked up, and a file that cannot be read is that
/// scrape's error. TLS settings become a per-request `TLSConfiguration`: `ca`/`ca_file` replace the
/// system roots (as in Go), `cert`/`key` present a client certificate, `insecure_skip_verify`
/// turns verification off. `server_name` is sent as SNI and verified instead of the target's host:
/// the request goes to `server_name` with the `Host` header of the target, on a client of its own
/// whose `dnsOverride` sends that name to the target's host (`HTTPScraper.forServerName`).
/// `proxy` and `http1Only` (`enable_http2: false`) choose the client (`HTTPScraper.routed`).
public struct HTTPScrapeSettings: Sendable {
    var basicAuth: BasicAuth?
    var authorization: Authorization?
    var tls: TLSConfiguration?
    var enableCompression = true
    var serverName = ""
    var proxy = ProxySettings()
    var http1Only = false

    public init() {}

    /// Settings of `config`; throws a message naming the bad TLS input.
    public init(_ config: HTTPClientConfig, enableCompression: Bool = true) throws(ScrapeError) {
        basicAuth = config.basicAuth
        authorization = config.effectiveAuthorization
        self.enableCompression = enableCompression
        tls = try Self.tlsConfiguration(config.tlsConfig)
        serverName = config.tlsConfig.serverName
        proxy = ProxySettings(config)
        http1Only = !config.enableHTTP2
    }

    static func tlsConfiguration(_ t: TLSConfig) throws(ScrapeError) -> TLSConfiguration? {
        if t == TLSConfig() { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if !t.caFile.isEmpty { tls.trustRoots = .file(t.caFile) }
            if !t.ca.isEmpty { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(t.ca.utf8))) }
            if !t.certFile.isEmpty { tls.certificateChain = try NIOSSLCertificate.fromPEMFile(t.certFile).map { .certificate($0) } }
            if !t.cert.isEmpty { tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(t.cert.utf8)).map { .certificate($0) } }
            if !t.keyFile.isEmpty { tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: t.keyFile, format: .pem)) }
            if !t.key.isEmpty { tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(t.key.utf8), format: .pem)) }
        } catch {
            throw .transport("unable to load TLS settings: \(error)")
        }
        if t.insecureSkipVerify { tls.certificateVerification = .none }
        let versions: [String: TLSVersion] = ["TLS10": .tlsv1, "TLS11": .tlsv11, "TLS12": .tlsv12, "TLS13": .tlsv13]
        if let min = versions[t.minVersion] { tls.minimumTLSVersion = min }
        if let max = versions[t.maxVersion] { tls.maximumTLSVersion = max }
        return tls
    }

    /// The `Authorization` header value for this scrape, reading credential files now.
    func authorizationHeader() throws(ScrapeError) -> String? {
        if let basic = basicAuth {
            let user = basic.usernameFile.isEmpty ? basic.username : try read(basic.usernameFile, "basic auth username")
            let password = basic.passwordFile.isEmpty ? basic.password : try read(basic.passwordFile, "basic auth password")
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        if let auth = authorization {
            let credentials = auth.credentialsFile.isEmpty ? auth.credentials
                : try read(auth.credentialsFile, "authorization credentials")
            return "\(auth.type) \(credentials)"
        }
        return nil
    }

    private func read(_ path: String, _ what: String) throws(ScrapeError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .transport("unable to read \(what) file \(path): no such file or not readable")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Fetches one target's exposition over HTTP with AsyncHTTPClient.
///
/// Contract: sends Prometheus's scrape headers (`Accept` from the config's `scrape_protocols`,
/// `Accept-Encoding: gzip` or `identity`, `X-Prometheus-Scrape-Timeout-Seconds`, a `User-Agent`,
/// credentials); the whole exchange, body included, is bounded by the target's timeout and
/// cancelled when it passes; a non-2xx status, a body over `body_size_limit` (after
/// decompression) or a transport failure is a `ScrapeError`. Redirects follow the client's policy.
public struct HTTPScraper: Sendable {
    public static let userAgent = "Ember/\(EmberVersion.string)"
    let client: HTTPClient
    let settings: HTTPScrapeSettings
    /// Set when this scraper owns a client made for `server_name` (see `forServerName`).
    let ownsClient: Bool
    /// Why this scraper cannot scrape (a proxy it cannot use); every fetch fails with it.
    let setupError: ScrapeError?

    public init(client: HTTPClient, settings: HTTPScrapeSettings = HTTPScrapeSettings()) {
        self.client = client
        self.settings = settings
        ownsClient = false
        setupError = nil
    }

    private init(client: HTTPClient, settings: HTTPScrapeSettings, owned: Bool, setupError: ScrapeError? = nil) {
        self.client = client
        self.settings = settings
        ownsClient = owned
        self.setupError = setupError
    }

    /// The scraper for `target`: this one when the settings need no special client, else one on
    /// the shared client for the target's proxy route and HTTP version.
    func routed(_ target: ScrapeTarget, clients: HTTPClients, followRedirects: Bool) -> HTTPScraper {
        let route: ProxySettings.Route?
        do throws(ScrapeError) { route = try settings.proxy.route(for: target.url) } catch {
            return HTTPScraper(client: client, settings: settings, owned: false, setupError: error)
        }
        guard route != nil || settings.http1Only else { return self }
        let key = HTTPClients.Key(followRedirects: followRedirects, proxy: route, http1Only: settings.http1Only)
        return HTTPScraper(client: clients.client(key), settings: settings, owned: false)
    }

    /// For a config with `server_name`: a scraper with a client of its own that connects to
    /// `target`'s host whenever a URL names `server_name`; nil when there is no `server_name`.
    /// Its owner calls `shutdown()` when the target goes away.
    func forServerName(_ target: ScrapeTarget, followRedirects: Bool) -> HTTPScraper? {
        guard !settings.serverName.isEmpty else { return nil }
        var host = Substring(target.address)
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = host[..<colon] }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        let route: ProxySettings.Route?
        do throws(ScrapeError) { route = try settings.proxy.route(for: target.url) } catch {
            return HTTPScraper(client: client, settings: settings, owned: false, setupError: error)
        }
        let key = HTTPClients.Key(followRedirects: followRedirects, proxy: route, http1Only: settings.http1Only)
        let configuration = HTTPClients.configuration(key, dnsOverride: [settings.serverName: String(host)])
        return HTTPScraper(client: HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration),
                           settings: settings, owned: true)
    }

    /// Shuts down the client if this scraper made it (in the background).
    func shutdown() {
        guard ownsClient else { return }
        let client = self.client
        Task { try? await client.shutdown() }
    }

    /// Returns the body bytes and the response's Content-Type.
    ///
    /// The exchange runs on one event loop of the client's group (the caller's, when it runs on
    /// one): the response is collected there by a delegate and the timeout is that loop's timer.
    /// The async `execute` would start a task on the global pool for every request.
    public func fetch(_ target: ScrapeTarget) async throws(ScrapeError) -> (body: [UInt8], contentType: String?) {
        if let setupError { throw setupError }
        let limit = target.bodySizeLimit > 0 ? target.bodySizeLimit : 1 << 30
        let timeout = target.timeout
        let request = try self.request(for: target)
        let eventLoop = client.eventLoopGroup.any()
        let task = client.execute(request: request, delegate: ScrapeResponseCollector(limit: limit),
                                  eventLoop: .delegateAndChannel(on: eventLoop))
        let timedOut = TimeoutFlag()
        let timer = eventLoop.scheduleTask(in: .milliseconds(timeout)) {
            timedOut.fired.store(true, ordering: .relaxed)
            task.cancel()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch let error as ScrapeError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout
                    || (error == .cancelled && timedOut.fired.load(ordering: .relaxed)) {
            throw ScrapeError.timeout(milliseconds: timeout)
        } catch {
            throw ScrapeError.transport("Get \"\(target.url)\": \(Self.describe(error, address: target.address))")
        }
    }

    func request(for target: ScrapeTarget) throws(ScrapeError) -> HTTPClient.Request {
        var url = target.url
        var headers = HTTPHeaders()
        if ownsClient, let range = target.url.range(of: "://" + target.address) {
            // Name server_name in the URL (SNI, verification); dnsOverride connects to the target.
            let port = target.address.split(separator: ":").last.map(String.init) ?? ""
            url = target.url.replacingCharacters(in: range, with: "://\(settings.serverName):\(port)")
            headers.add(name: "Host", value: target.address)
        }
        headers.add(name: "Accept", value: target.acceptHeader)
        headers.add(name: "Accept-Encoding", value: settings.enableCompression ? "gzip" : "identity")
        headers.add(name: "User-Agent", value: Self.userAgent)
        headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: PrometheusNumber.format(Double(target.timeout) / 1000))
        if let authorization = try settings.authorizationHeader() {
            headers.add(name: "Authorization", value: authorization)
        }
        do {
            return try HTTPClient.Request(url: url, method: .GET, headers: headers, tlsConfiguration: settings.tls)
        } catch {
            throw .transport("Get \"\(target.url)\": \(Self.describe(error, address: target.address))")
        }
    }

    /// Go's wording for the common transport failures (`dial tcp ...`), NIO's text otherwise.
    static func describe(_ error: any Error, address: String) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") {
            return "dial tcp \(address): connect: connection refused"
        }
        var host = Substring(address)
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = host[..<colon] }
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return "tls: failed to verify certificate (CERTIFICATE_VERIFY_FAILED)" }
        if text.contains("failedToValidateHostname") { return "tls: failed to verify certificate: not valid for \(host)" }
        if text.contains("UnknownHost") || text.contains("Name or service not known") {
            return "dial tcp: lookup \(host): no such host"
        }
        return text
    }
}

/// Set by a scrape's timer when it cancels the request, so the cancellation reads as a timeout.
private final class TimeoutFlag: Sendable {
    let fired = Atomic(false)
}
