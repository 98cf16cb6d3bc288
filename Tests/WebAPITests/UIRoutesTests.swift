import Hummingbird
import HummingbirdTesting
import Testing
@testable import WebAPI

/// The web pages' routes: redirects, HTML documents, embedded assets, and the route prefix.
@Suite struct UIRoutesTests {
    static func app(prefix: String) -> some ApplicationProtocol {
        let router = Router()
        UIRoutes.register(on: router, routePrefix: prefix)
        return Application(router: router)
    }

    @Test func rootAndGraphRedirectToTheQueryPageKeepingGraphParameters() async throws {
        try await Self.app(prefix: "/").test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/query")
            }
            try await client.execute(uri: "/graph?g0.expr=up&g0.tab=1", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/query?g0.expr=up&g0.tab=1")
            }
        }
    }

    @Test(arguments: ["query", "targets", "tsdb-status", "status", "config", "flags"])
    func everyPageIsHTMLWithOnlyRelativeLinks(page: String) async throws {
        try await Self.app(prefix: "/").test(.router) { client in
            try await client.execute(uri: "/" + page, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.hasPrefix("<!doctype html>"))
                #expect(html.contains(#"<a href="\#(page)" aria-current="page">"#))
                for absolute in [#"href="/"#, #"src="/"#, #"action="/"#, #"fetch("/"#] {
                    #expect(!html.contains(absolute), "\(page) has an absolute URL: \(absolute)")
                }
            }
        }
    }

    @Test func everyAssetAPageNamesIsServedWithItsTypeAndALongCache() async throws {
        try await Self.app(prefix: "/").test(.router) { client in
            var referenced: Set<String> = []
            for page in UIPages.all {
                for asset in UIAssets.all where page.html.contains(asset.url) { referenced.insert(asset.name) }
            }
            #expect(referenced == Set(UIAssets.all.map(\.name)))
            for asset in UIAssets.all {
                try await client.execute(uri: "/" + asset.url, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == asset.contentType)
                    #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                    #expect(String(buffer: response.body) == asset.text)
                }
            }
        }
    }

    @Test func scriptsCallTheAPIWithRelativePaths() {
        for asset in UIAssets.all where asset.name.hasSuffix(".js") {
            #expect(!asset.text.contains(#""/api/"#), "\(asset.name) calls the API with an absolute path")
        }
        #expect(UIAssets.query.text.contains(#""api/v1/query_range""#))
        #expect(UIAssets.targets.text.contains(#""api/v1/targets""#))
    }

    @Test func pagesMoveUnderARoutePrefix() async throws {
        try await Self.app(prefix: "/ember").test(.router) { client in
            try await client.execute(uri: "/ember/targets", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/ember/" + UIAssets.css.url, method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/ember", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/ember/query")
            }
            try await client.execute(uri: "/ember/graph", method: .get) { response in
                #expect(response.headers[.location] == "/ember/query")
            }
            try await client.execute(uri: "/targets", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test(arguments: [("/", "/"), ("", "/"), ("ember", "/ember/"), ("/ember", "/ember/"), ("/a/b/", "/a/b/")])
    func routePrefixIsNormalised(input: String, expected: String) {
        #expect(UIRoutes.normalized(input) == expected)
    }

    @Test func everyFormControlHasALabel() {
        let query = UIPages.all.first { $0.path == "query" }!.html
        let targets = UIPages.all.first { $0.path == "targets" }!.html
        #expect(query.contains(#"<label for="expr">"#))
        for control in [#"<label>End time <input id="end""#, #"<label class="range-only">Range <input"#,
                        #"<label class="range-only">Step <input"#] {
            #expect(query.contains(control))
        }
        #expect(targets.contains(#"<label>State <select"#) && targets.contains(#"<label>Search <input"#))
    }
}
