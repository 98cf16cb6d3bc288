import Hummingbird

/// The web pages a person opens in a browser: `/query` (with `/` and `/graph` redirecting to it),
/// `/targets`, `/tsdb-status`, `/status`, `/config`, `/flags`, and their embedded assets under
/// `/static/`.
///
/// Contract: every page is a fixed HTML document built once at start-up; the data comes from the
/// `/api/v1/...` endpoints, fetched by the page's script with same-origin requests (so basic auth
/// and cookies go along). Pages and assets link to each other with relative URLs only, so they work
/// under any route prefix and behind a proxy that mounts Ember on a sub-path. Assets are served
/// with a content hash in their URL and cached for a year; pages are not cached.
public enum UIRoutes {
    /// Registers the pages under `routePrefix` ("/" or e.g. "/ember"; a trailing slash is optional).
    public static func register<Context: RequestContext>(on router: Router<Context>, routePrefix: String = "/") {
        let prefix = normalized(routePrefix)
        let home = prefix + "query"
        // The router matches "/ember" and "/ember/" alike, so one route serves both.
        router.get(RouterPath(prefix)) { _, _ in Response.redirect(to: home, type: .found) }
        // Old Prometheus links (alert generator URLs, Grafana's "open in Prometheus") use /graph.
        router.get(RouterPath(prefix + "graph")) { request, _ in
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return Response.redirect(to: home + query, type: .found)
        }
        for page in UIPages.all {
            let body = ByteBuffer(string: page.html)
            router.get(RouterPath(prefix + page.path)) { _, _ in
                Response(status: .ok,
                         headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                         body: ResponseBody(byteBuffer: body))
            }
        }
        for asset in UIAssets.all {
            let body = ByteBuffer(string: asset.text)
            router.get(RouterPath(prefix + "static/" + asset.name)) { _, _ in
                Response(status: .ok,
                         headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable"],
                         body: ResponseBody(byteBuffer: body))
            }
        }
    }

    /// "/", "ember", "/ember/" → "/", "/ember/", "/ember/".
    static func normalized(_ prefix: String) -> String {
        var result = prefix.hasPrefix("/") ? prefix : "/" + prefix
        if !result.hasSuffix("/") { result += "/" }
        return result
    }
}

/// One embedded static file: its name under `static/`, MIME type and text.
struct UIAsset: Sendable {
    let name: String
    let contentType: String
    let text: String

    /// `static/<name>?v=<hash of the text>`, relative to a page, so a new build busts caches.
    var url: String { "static/\(name)?v=\(fnv1a(text))" }

    private func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// The embedded assets.
enum UIAssets {
    static let css = UIAsset(name: "ember.css", contentType: "text/css; charset=utf-8", text: StyleSheet.text)
    static let common = UIAsset(name: "common.js", contentType: "text/javascript; charset=utf-8", text: CommonScript.text)
    static let chart = UIAsset(name: "chart.js", contentType: "text/javascript; charset=utf-8", text: ChartScript.text)
    static let query = UIAsset(name: "query.js", contentType: "text/javascript; charset=utf-8", text: QueryScript.text)
    static let targets = UIAsset(name: "targets.js", contentType: "text/javascript; charset=utf-8", text: TargetsScript.text)
    static let status = UIAsset(name: "status.js", contentType: "text/javascript; charset=utf-8", text: StatusScript.text)
    static let all = [css, common, chart, query, targets, status]
}
