import AsyncHTTPClient
import Config
import Foundation
import MetricModel
import NIOCore

/// `http_sd_configs`: targets from an HTTP endpoint answering a JSON list of
/// `{"targets": [...], "labels": {...}}`, fetched at start and every `refresh_interval`.
///
/// Contract: the response must be 200 with `Content-Type: application/json` (Prometheus's rule,
/// with its messages); each group gets `__meta_url` and the source `<url>:<index>`. A failed
/// fetch keeps the previous groups and reports the error. The request uses the config's HTTP
/// client settings as a scrape does: credentials, TLS, `follow_redirects`, the proxy settings and
/// `enable_http2` (`make(config:clients:)` picks the client); settings that cannot be used (a
/// bad proxy URL or TLS file) make every fetch fail with that error.
struct HTTPDiscovery: DiscoveryProvider {
    let config: HTTPSDConfig
    let client: HTTPClient
    let settings: HTTPScrapeSettings
    var setupError: DiscoveryError?

    /// The provider for `config`, on the shared client its redirect, proxy and HTTP-version
    /// settings call for.
    static func make(config: HTTPSDConfig, clients: HTTPClients) -> HTTPDiscovery {
        let followRedirects = config.httpClientConfig.followRedirects
        do throws(ScrapeError) {
            let settings = try HTTPScrapeSettings(config.httpClientConfig)
            let route = try settings.proxy.route(for: config.url)
            let key = HTTPClients.Key(followRedirects: followRedirects, proxy: route, http1Only: settings.http1Only)
            return HTTPDiscovery(config: config, client: clients.client(key), settings: settings)
        } catch {
            return HTTPDiscovery(config: config, client: clients.client(followRedirects: followRedirects),
                                 settings: HTTPScrapeSettings(), setupError: DiscoveryError(error.description))
        }
    }

    func run(update: @escaping @Sendable ([TargetGroup]) -> Void, report: @escaping @Sendable (String) -> Void) async {
        while !Task.isCancelled {
            do throws(DiscoveryError) {
                update(try await fetch())
            } catch {
                report("Unable to refresh target groups from \(config.url): \(error)")
            }
            do { try await Task.sleep(for: .milliseconds(config.refreshInterval)) } catch { return }
        }
    }

    func fetch() async throws(DiscoveryError) -> [TargetGroup] {
        if let setupError { throw setupError }
        var request = HTTPClientRequest(url: config.url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: HTTPScraper.userAgent)
        request.headers.add(name: "X-Prometheus-Refresh-Interval-Seconds",
                            value: String(config.refreshInterval / 1000))
        request.tlsConfiguration = settings.tls
        let body: ByteBuffer
        do {
            if let authorization = try settings.authorizationHeader() {
                request.headers.add(name: "Authorization", value: authorization)
            }
            let response = try await client.execute(request, timeout: .seconds(30))
            guard response.status.code == 200 else {
                throw DiscoveryError("server returned HTTP status \(response.status.code) \(response.status.reasonPhrase)")
            }
            let contentType = response.headers.first(name: "Content-Type") ?? ""
            let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard mediaType.lowercased() == "application/json" else {
                throw DiscoveryError("unsupported content type \(quoteLabelValue(contentType))")
            }
            body = try await response.body.collect(upTo: 64 << 20)
        } catch let error as DiscoveryError {
            throw error
        } catch {
            throw DiscoveryError("\(error)")
        }
        let document: Any
        do { document = try JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]) } catch {
            throw DiscoveryError("invalid JSON: \(error.localizedDescription)")
        }
        return try TargetGroupDocument.groups(document, source: config.url, extra: Labels([Label("__meta_url", config.url)]))
    }
}
