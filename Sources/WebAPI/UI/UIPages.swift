import MetricModel

/// One HTML page: where it is served (relative to the route prefix) and its whole document.
struct UIPage: Sendable {
    let path: String
    let html: String
}

/// The pages' documents: a shared shell (navigation, stylesheet) around each page's own markup.
/// Every URL in them is relative, so the documents need no knowledge of the route prefix.
enum UIPages {
    static let navigation: [(path: String, title: String)] = [
        ("query", "Query"), ("targets", "Targets"), ("tsdb-status", "Cardinality"),
        ("status", "Status"), ("config", "Configuration"), ("flags", "Flags"),
    ]

    static let all: [UIPage] = [
        page("query", title: "Query", scripts: [UIAssets.chart, UIAssets.query], body: queryBody),
        page("targets", title: "Targets", scripts: [UIAssets.targets], body: targetsBody),
        page("tsdb-status", title: "Cardinality", scripts: [UIAssets.status], body: """
            <h1>Cardinality</h1>
            <div id="content" data-page="tsdb" aria-live="polite"><p class="muted">Loading…</p></div>
            """),
        page("status", title: "Status", scripts: [UIAssets.status], body: """
            <h1>Runtime &amp; build information</h1>
            <div id="content" data-page="status" aria-live="polite"><p class="muted">Loading…</p></div>
            """),
        page("config", title: "Configuration", scripts: [UIAssets.status], body: """
            <h1>Configuration</h1>
            <div id="content" data-page="config" aria-live="polite"><p class="muted">Loading…</p></div>
            """),
        page("flags", title: "Flags", scripts: [UIAssets.status], body: """
            <h1>Command-line flags</h1>
            <div id="content" data-page="flags" aria-live="polite"><p class="muted">Loading…</p></div>
            """),
    ]

    static func page(_ path: String, title: String, scripts: [UIAsset], body: String) -> UIPage {
        let links = navigation.map { item in
            let current = item.path == path ? #" aria-current="page""# : ""
            return #"<a href="\#(item.path)"\#(current)>\#(item.title)</a>"#
        }.joined(separator: "\n")
        let scriptTags = ([UIAssets.common] + scripts).map { #"<script src="\#($0.url)"></script>"# }
            .joined(separator: "\n")
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Ember</title>
            <link rel="stylesheet" href="\(UIAssets.css.url)">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header>
            <nav aria-label="Main">
            <span class="brand">Ember <small>\(EmberVersion.string)</small></span>
            \(links)
            </nav>
            </header>
            <main id="main">
            \(body)
            </main>
            \(scriptTags)
            </body>
            </html>

            """
        return UIPage(path: path, html: html)
    }

    static let queryBody = """
        <h1 class="visually-hidden">Query</h1>
        <form id="query-form" action="query" method="get">
        <label for="expr">Expression (PromQL)</label>
        <div class="expr-row">
        <textarea id="expr" name="expr" rows="2" spellcheck="false" autocomplete="off" autocapitalize="off"
         aria-describedby="expr-hint" placeholder="e.g. up or rate(http_requests_total[5m])"></textarea>
        <button type="submit">Execute</button>
        </div>
        <p id="expr-hint" class="muted">Enter runs the query; Shift+Enter starts a new line.</p>
        <div class="controls">
        <fieldset>
        <legend>Mode</legend>
        <label><input type="radio" name="mode" value="instant" checked> Table (instant)</label>
        <label><input type="radio" name="mode" value="range"> Graph (range)</label>
        </fieldset>
        <label>End time <input id="end" name="end" type="datetime-local" step="1" aria-describedby="end-hint"></label>
        <span id="end-hint" class="muted">empty is now (local time)</span>
        <label class="range-only">Range <input id="range" name="range" size="6" value="1h" pattern="([0-9]+(ms|s|m|h|d|w|y))+" title="a duration such as 30m, 1h or 2d"></label>
        <label class="range-only">Step <input id="step" name="step" size="6" placeholder="auto" title="seconds or a duration such as 15s"></label>
        </div>
        </form>
        <div id="error" class="error" role="alert" hidden></div>
        <p id="stats" class="muted" aria-live="polite"></p>
        <div id="chart"></div>
        <div id="result"></div>
        """

    static let targetsBody = """
        <h1>Targets</h1>
        <form id="target-filter" class="controls" role="search" onsubmit="return false">
        <label>State <select id="state">
        <option value="">All</option><option value="up">Up</option>
        <option value="down">Down</option><option value="unknown">Unknown</option>
        </select></label>
        <label>Search <input id="search" type="search" placeholder="endpoint, label or error"></label>
        <button type="button" id="expand">Expand all</button>
        <button type="button" id="collapse">Collapse all</button>
        <button type="button" id="refresh">Refresh</button>
        </form>
        <p id="summary" class="muted" aria-live="polite">Loading…</p>
        <div id="pools"></div>
        """
}
