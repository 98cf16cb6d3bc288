/// The read-only status pages, chosen by `#content[data-page]`: cardinality (`tsdb`), runtime and
/// build information (`status`), configuration (`config`) and flags (`flags`). An endpoint this
/// server does not serve yet is shown as "not available", never as a broken page.
enum StatusScript {
    static let text = #"""
"use strict";
(function () {
  var el = Ember.el, content = document.getElementById("content");

  function keyValueTable(caption, rows) {
    return el("table", {class: "kv"}, el("caption", {class: "visually-hidden"}, caption),
      el("tbody", null, rows.map(function (row) {
        return el("tr", null, el("th", {scope: "row"}, row[0]), el("td", {class: "mono"}, row[1]));
      })));
  }
  function show(value) {
    return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  function count(n) { return typeof n === "number" ? n.toLocaleString("en-US") : show(n); }

  var pages = {
    tsdb: function () {
      Ember.api("api/v1/status/tsdb").then(function (result) {
        if (!result.ok) { Ember.replace(content, Ember.unavailable("Cardinality information (api/v1/status/tsdb)", result)); return; }
        var data = result.data, head = data.headStats || {};
        var time = function (ms) {
          return typeof ms === "number" && Math.abs(ms) < 8.64e15 ? Ember.localTime(ms) + " (" + new Date(ms).toISOString() + ")" : "—";
        };
        var sections = [
          ["seriesCountByMetricName", "Top metric names by series", "Metric name", "Series", true],
          ["labelValueCountByLabelName", "Top label names by distinct values", "Label name", "Values", false],
          ["memoryInBytesByLabelName", "Top label names by memory used", "Label name", "Bytes", false],
          ["seriesCountByLabelValuePair", "Top label pairs by series", "Label pair", "Series", true],
        ];
        Ember.replace(content,
          el("h2", null, "Head block"),
          keyValueTable("Head block", [["Series", count(head.numSeries)], ["Label pairs", count(head.numLabelPairs)],
            ["Chunks", count(head.chunkCount)], ["Earliest sample", time(head.minTime)], ["Latest sample", time(head.maxTime)]]),
          sections.map(function (s) {
            var rows = data[s[0]] || [];
            return [el("h2", null, s[1]), rows.length === 0 ? el("p", {class: "muted"}, "None.") :
              el("table", null, el("thead", null, el("tr", null, el("th", {scope: "col"}, s[2]),
                el("th", {scope: "col", class: "num"}, s[3]), s[4] ? el("th", {scope: "col", class: "num"}, "Share") : null)),
                el("tbody", null, rows.map(function (row) {
                  var name = s[0] === "seriesCountByMetricName"
                    ? el("a", {href: "query?" + new URLSearchParams({expr: row.name})}, row.name) : row.name;
                  return el("tr", null, el("td", {class: "mono"}, name), el("td", {class: "num"}, count(row.value)),
                    s[4] ? el("td", {class: "num"}, head.numSeries ? (100 * row.value / head.numSeries).toFixed(1) + "%" : "—") : null);
                })))];
          }));
      });
    },

    status: function () {
      var runtime = el("section", null, el("h2", null, "Runtime information"), el("p", {class: "muted"}, "Loading…"));
      var build = el("section", null, el("h2", null, "Build information"), el("p", {class: "muted"}, "Loading…"));
      Ember.replace(content, runtime, build);
      [["api/v1/status/runtimeinfo", runtime, "Runtime information"], ["api/v1/status/buildinfo", build, "Build information"]]
        .forEach(function (item) {
          Ember.api(item[0]).then(function (result) {
            var body = result.ok
              ? keyValueTable(item[2], Object.keys(result.data).map(function (k) { return [k, show(result.data[k])]; }))
              : Ember.unavailable(item[2] + " (" + item[0] + ")", result);
            Ember.replace(item[1], el("h2", null, item[2]), body);
          });
        });
    },

    config: function () {
      Ember.api("api/v1/status/config").then(function (result) {
        if (!result.ok) { Ember.replace(content, Ember.unavailable("The configuration (api/v1/status/config)", result)); return; }
        var copied = el("span", {class: "muted", "aria-live": "polite"});
        var copy = el("button", {type: "button", onclick: function () {
          navigator.clipboard.writeText(result.data.yaml).then(function () { copied.textContent = " Copied."; },
            function () { copied.textContent = " Copying is not allowed here; select the text instead."; });
        }}, "Copy to clipboard");
        Ember.replace(content, el("p", null, copy, copied), el("pre", {tabindex: 0, "aria-label": "Configuration YAML"}, result.data.yaml));
      });
    },

    flags: function () {
      Ember.api("api/v1/status/flags").then(function (result) {
        if (!result.ok) { Ember.replace(content, Ember.unavailable("The flags (api/v1/status/flags)", result)); return; }
        var names = Object.keys(result.data).sort(), tbody = el("tbody");
        var filter = el("input", {type: "search", id: "flag-filter", placeholder: "flag name or value"});
        function draw() {
          var word = filter.value.toLowerCase();
          Ember.replace(tbody, names.filter(function (n) { return (n + " " + result.data[n]).toLowerCase().indexOf(word) >= 0; })
            .map(function (n) { return el("tr", null, el("td", {class: "mono"}, "--" + n), el("td", {class: "mono"}, result.data[n])); }));
        }
        filter.addEventListener("input", draw);
        draw();
        Ember.replace(content, el("p", null, el("label", null, "Filter ", filter)),
          el("table", null, el("thead", null, el("tr", null, el("th", {scope: "col"}, "Flag"), el("th", {scope: "col"}, "Value"))), tbody));
      });
    },
  };

  pages[content.dataset.page]();
})();
"""#
}
