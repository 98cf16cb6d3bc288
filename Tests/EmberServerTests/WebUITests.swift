import Foundation
import Testing

/// The page suites, one at a time: each starts chromium and servers of its own, and the machine
/// running the tests may have two cores.
@Suite(.serialized) enum WebPages {}

extension WebPages {
    /// The web pages as a person sees them: a real `ember` process scraping itself (up) and a closed
    /// port (down), its pages rendered by headless chromium, the rendered DOM checked against what the
    /// API says, and screenshots saved under `.build/ui-screenshots/` to look at.
    ///
    /// Skipped, saying so, when chromium is not installed; `scripts/page-test` installs it and runs
    /// this suite.
    @Suite(.serialized, .enabled(if: Chromium.path != nil,
                                 "chromium is not installed; run scripts/page-test to install it and run the page tests"))
    struct WebUITests {
        /// A running `ember` with two targets: itself under job `ember`, 127.0.0.1:1 under job `down`.
        final class RunningEmber {
            let process = Process()
            let directory: TemporaryDirectory
            let base: String

            init(extraArguments: [String] = [], basePath: String = "", credentials: String = "") throws {
                directory = try TemporaryDirectory()
                let port = try freeLoopbackPort()
                base = "http://\(credentials)127.0.0.1:\(port)\(basePath)"
                let config = try directory.file("prometheus.yml", """
                    global: {scrape_interval: 1s, scrape_timeout: 500ms}
                    scrape_configs:
                      - job_name: ember
                        static_configs: [{targets: ["127.0.0.1:\(port)"], labels: {env: page-test}}]
                      - job_name: down
                        static_configs: [{targets: ["127.0.0.1:1"]}]
                    """)
                process.executableURL = URL(fileURLWithPath: try ProcessTests.emberPath)
                process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory.path)/data",
                                     "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"] + extraArguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
            }

            deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }

            /// Waits until both targets have been scraped at least once; returns the targets API's body.
            func waitForBothScraped() async throws -> String {
                var body = ""
                let scraped = try await eventually(seconds: 15) {
                    body = try await httpGet(base + "/api/v1/targets").1
                    return body.contains(#""health":"up""#) && body.contains(#""health":"down""#)
                }
                guard scraped else { throw TestFailure("targets were not both scraped: \(body)") }
                return body
            }
        }

        /// The text of the element after `marker` up to `end`, or "" when `marker` is absent.
        static func section(_ dom: String, from marker: String, to end: String) -> String {
            guard let start = dom.range(of: marker) else { return "" }
            let rest = dom[start.upperBound...]
            return String(rest[..<(rest.range(of: end)?.lowerBound ?? rest.endIndex)])
        }

        static func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }

        static func encoded(_ query: String) -> String {
            var allowed = CharacterSet.urlQueryAllowed
            allowed.remove(charactersIn: "&+=#")
            return query.addingPercentEncoding(withAllowedCharacters: allowed)!
        }

        @Test func targetsPageListsBothTargetsWithStateAndError() async throws {
            let ember = try RunningEmber()
            let api = try json(try await ember.waitForBothScraped())
            let active = (api["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
            let downError = try #require(active.first { $0["scrapePool"] as? String == "down" }?["lastError"] as? String)
            #expect(!downError.isEmpty)

            let dom = try await Chromium.dumpDOM(ember.base + "/targets")
            let upPool = Self.section(dom, from: #"data-pool="ember""#, to: "</details>")
            let downPool = Self.section(dom, from: #"data-pool="down""#, to: "</details>")
            #expect(upPool.contains(#"<span class="state up">UP</span>"#), "\(upPool)")
            #expect(upPool.contains("env=\"page-test\""))
            #expect(upPool.contains(" ago</td>"))
            #expect(downPool.contains(#"<span class="state down">DOWN</span>"#), "\(downPool)")
            #expect(downPool.contains(Self.escaped(downError)), "\(downPool)")
            #expect(dom.contains("2 targets in 2 scrape pools, 1 up."))
            try await Chromium.screenshot(ember.base + "/targets", name: "targets")
            try await Chromium.screenshot(ember.base + "/targets", name: "targets-narrow", width: 420, height: 800)
        }

        @Test func queryPageShowsATableRowPerSeriesAndNoError() async throws {
            let ember = try RunningEmber()
            _ = try await ember.waitForBothScraped()
            let series = try vectorResult(try await httpGet(ember.base + "/api/v1/query?query=up").1)
            #expect(series.count == 2)

            let dom = try await Chromium.dumpDOM(ember.base + "/query?expr=up")
            let rows = Self.section(dom, from: #"<table id="result-table">"#, to: "</table>")
                .components(separatedBy: "<tr>").count - 2 // one split before the header row
            #expect(rows == series.count, "\(dom)")
            #expect(dom.contains(#"<div id="error" class="error" role="alert" hidden="">"#))
            #expect(dom.contains(#"up{instance="127.0.0.1:1", job="down"}"#))
            try await Chromium.screenshot(ember.base + "/query?expr=up", name: "query-table")
            // The graph draws one line per series of the range result.
            let graph = try await Chromium.dumpDOM(ember.base + "/query?expr=up&mode=range&range=5m")
            #expect(graph.components(separatedBy: #"<path class="series""#).count - 1 == series.count, "\(graph)")
            try await Chromium.screenshot(ember.base + "/query?expr=up&mode=range&range=5m", name: "query-graph")
            // A rate over a counter: as many lines as the range query returns series.
            let rateQuery = "rate(scrape_samples_scraped[1m]) or rate(prometheus_tsdb_head_samples_appended_total[1m])"
            let now = Int(Date().timeIntervalSince1970)
            let rates = try json(try await httpGet(ember.base + "/api/v1/query_range?query=" + Self.encoded(rateQuery)
                                                   + "&start=\(now - 300)&end=\(now)&step=15").1)
            let rateSeries = ((rates["data"] as? [String: Any])?["result"] as? [Any])?.count ?? -1
            let rateGraph = try await Chromium.dumpDOM(ember.base + "/query?expr=" + Self.encoded(rateQuery) + "&mode=range&range=5m")
            #expect(rateGraph.components(separatedBy: #"<path class="series""#).count - 1 == rateSeries, "\(rateGraph)")
            try await Chromium.screenshot(ember.base + "/query?expr=" + Self.encoded(rateQuery) + "&mode=range&range=5m",
                                          name: "query-graph-rate")
        }

        @Test func invalidQueryAndTimeControlsShowTheirErrors() async throws {
            let ember = try RunningEmber()
            let query = "sum(rate(up[5m])"
            let (status, body) = try await httpGet(ember.base + "/api/v1/query?query=" + Self.encoded(query))
            #expect(status == 400)
            let message = try #require(try json(body)["error"] as? String)
            #expect(message.contains("parse error"))

            let url = ember.base + "/query?expr=" + Self.encoded(query)
            let dom = try await Chromium.dumpDOM(url)
            #expect(dom.contains(#"<span id="error-text">\#(Self.escaped(message))</span>"#), "\(dom)")
            #expect(dom.contains(#"<mark class="error-at">"#), "\(dom)")
            #expect(!dom.contains(#"role="alert" hidden"#))
            try await Chromium.screenshot(url, name: "query-error")

            // Prometheus counts columns in UTF-8 bytes: "é" is two, yet the mark lands on "bar".
            let wide = try await Chromium.dumpDOM(ember.base + "/query?expr=" + Self.encoded(#"up{job="é"} + foo bar"#))
            #expect(wide.contains(#"1:20: parse error: unexpected identifier "bar""#), "\(wide)")
            #expect(wide.contains(#"up{job="é"} + foo <mark class="error-at">b</mark>ar</pre>"#), "\(wide)")

            let badRange = try await Chromium.dumpDOM(ember.base + "/query?expr=up&mode=range&range=banana")
            #expect(badRange.contains(#"<span id="error-text">Range "banana" is not a duration such as 30m, 1h or 2d.</span>"#),
                    "\(badRange)")
            let badStep = try await Chromium.dumpDOM(ember.base + "/query?expr=up&mode=range&range=1h&step=-5")
            #expect(badStep.contains(#"<span id="error-text">Step "-5" is not a number of seconds or a duration such as 15s.</span>"#),
                    "\(badStep)")
        }

        @Test func statusPagesRenderOrSayWhatIsNotAvailable() async throws {
            let ember = try RunningEmber()
            _ = try await ember.waitForBothScraped()
            for page in ["tsdb-status", "status", "config", "flags"] {
                let (pageStatus, _) = try await httpGet(ember.base + "/" + page)
                #expect(pageStatus == 200)
                let dom = try await Chromium.dumpDOM(ember.base + "/" + page)
                let content = Self.section(dom, from: #"<div id="content""#, to: "</main>")
                #expect(!content.contains("Loading…"), "\(page) never finished loading: \(content)")
                let rendered = content.contains("<table") || (page == "config" && content.contains("<pre"))
                #expect(rendered || content.contains("not available on this server yet"), "\(page): \(content)")
                try await Chromium.screenshot(ember.base + "/" + page, name: page)
            }
            let status = try await Chromium.dumpDOM(ember.base + "/status")
            #expect(status.contains("Build information"))
            #expect(status.contains("<th scope=\"row\">version</th>"))
        }
    }
}

extension WebPages {
    /// The pages mounted on a sub-path behind basic auth: relative URLs must stay under the prefix and
    /// the pages' own API calls must carry the browser's credentials.
    @Suite(.serialized, .enabled(if: Chromium.path != nil,
                                 "chromium is not installed; run scripts/page-test to install it and run the page tests"))
    struct WebUIBehindProxyTests {
        @Test func targetsPageWorksUnderAPrefixBehindBasicAuth() async throws {
            let ember = try WebUITests.RunningEmber()
            _ = try await ember.waitForBothScraped()
            let proxy = try await TestProxy.behindAuth(upstream: ember.base)
            defer { proxy.stop() }

            let (status, _) = try await httpGet("http://127.0.0.1:\(proxy.port)/ember/targets")
            #expect(status == 401)
            let url = "http://user:secret@127.0.0.1:\(proxy.port)/ember/targets"
            let dom = try await Chromium.dumpDOM(url)
            #expect(dom.contains(#"<span class="state up">UP</span>"#), "\(dom)")
            #expect(dom.contains(#"<span class="state down">DOWN</span>"#))
            let paths = proxy.forwardedPaths
            #expect(paths.contains("/targets"))
            #expect(paths.contains("/api/v1/targets"), "\(paths)")
            #expect(paths.contains { $0.hasPrefix("/static/targets.js") }, "\(paths)")
            try await Chromium.screenshot(url, name: "targets-behind-proxy")
        }

        /// Ember's own `--web.route-prefix` and `--web.config.file` basic auth, no proxy.
        @Test func pagesWorkUnderEmbersOwnRoutePrefixAndBasicAuth() async throws {
            let directory = try TemporaryDirectory()
            // bcrypt (cost 4) of "open sesame", made with libxcrypt (as in WebAuthTests).
            let webConfig = try directory.file("web.yml", """
                basic_auth_users:
                  alice: "$2b$04$eIMAmwt8mAiG41SJZ/DUBOODxnQ4x3amXKAqmRB.hRLl/GH7g4/.K"
                """)
            let ember = try WebUITests.RunningEmber(
                extraArguments: ["--web.route-prefix=/ember/", "--web.config.file=\(webConfig)"],
                basePath: "/ember", credentials: "alice:open%20sesame@")
            let plain = ember.base.replacingOccurrences(of: "alice:open%20sesame@", with: "")
            guard try await eventually(seconds: 30, { (try? await httpGet(plain + "/-/ready").0) == 200 }) else {
                throw TestFailure("ember did not become ready under /ember")
            }
            #expect(try await httpGet(plain + "/targets").0 == 401)
            // The target's state is UNKNOWN until its first scrape, which a loaded machine may delay.
            var dom = ""
            let scraped = try await eventually(seconds: 30) {
                dom = try await Chromium.dumpDOM(ember.base + "/targets")
                return dom.contains(#"<span class="state up">UP</span>"#) || dom.contains(#"<span class="state down">DOWN</span>"#)
            }
            #expect(scraped, "\(dom)")
            let query = try await Chromium.dumpDOM(ember.base + "/query?expr=up")
            #expect(query.contains(#"<table id="result-table">"#), "\(query)")
            try await Chromium.screenshot(ember.base + "/targets", name: "targets-prefix-basic-auth")
        }
    }
}
