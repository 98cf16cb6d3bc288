/// The query page: runs the expression as an instant query (a table) or a range query (a graph),
/// keeps its state in the page URL (so links and the back button work), and shows errors with the
/// parser's position marked in the query.
enum QueryScript {
    static let text = #"""
"use strict";
(function () {
  var el = Ember.el, $ = function (id) { return document.getElementById(id); };
  var form = $("query-form"), exprBox = $("expr"), endBox = $("end"), rangeBox = $("range"), stepBox = $("step");
  var errorBox = $("error"), stats = $("stats"), chartBox = $("chart"), resultBox = $("result");
  var MAX_ROWS = 10000, MAX_SERIES = 500;

  // State from the URL: ours (expr, mode, end, range, step) or an old Prometheus /graph link's g0.*.
  var params = new URLSearchParams(location.search);
  var tab = params.get("g0.tab");
  exprBox.value = params.get("expr") || params.get("g0.expr") || "";
  var mode = params.get("mode") || (tab === "0" || tab === "graph" ? "range" : "instant");
  form.querySelector('input[name="mode"][value="' + (mode === "range" ? "range" : "instant") + '"]').checked = true;
  endBox.value = params.get("end") || "";
  rangeBox.value = params.get("range") || params.get("g0.range_input") || "1h";
  stepBox.value = params.get("step") || params.get("g0.step_input") || "";

  function currentMode() { return form.querySelector('input[name="mode"]:checked').value; }
  function showRangeControls() {
    form.querySelectorAll(".range-only").forEach(function (label) { label.hidden = currentMode() !== "range"; });
  }
  showRangeControls();

  exprBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  form.querySelectorAll('input[name="mode"]').forEach(function (radio) {
    radio.addEventListener("change", function () { showRangeControls(); if (exprBox.value.trim()) form.requestSubmit(); });
  });
  form.addEventListener("submit", function (event) {
    var problem = checkControls();
    if (problem) { event.preventDefault(); showError({errorType: "input", error: problem}, null); }
  });

  // What is wrong with the time controls, or null.
  function checkControls() {
    if (endBox.value && !isFinite(Date.parse(endBox.value))) return "End time \"" + endBox.value + "\" is not a date and time.";
    if (currentMode() !== "range") return null;
    if (!(Ember.parseDuration(rangeBox.value) > 0)) return "Range \"" + rangeBox.value + "\" is not a duration such as 30m, 1h or 2d.";
    if (stepBox.value && !(Ember.parseDuration(stepBox.value) > 0)) return "Step \"" + stepBox.value + "\" is not a number of seconds or a duration such as 15s.";
    return null;
  }

  function run() {
    var query = exprBox.value;
    if (!query.trim()) return;
    var problem = checkControls();
    if (problem) { showError({errorType: "input", error: problem}, null); return; }
    var end = endBox.value ? Date.parse(endBox.value) : Date.now();
    var started = performance.now(), request;
    var range = null;
    if (currentMode() === "range") {
      var span = Ember.parseDuration(rangeBox.value);
      var step = stepBox.value ? Ember.parseDuration(stepBox.value) : Math.max(Math.floor(span / 250000), 1) * 1000;
      range = {start: end - span, end: end, step: step};
      request = Ember.api("api/v1/query_range", {query: query, start: range.start / 1000, end: end / 1000, step: step / 1000});
    } else {
      request = Ember.api("api/v1/query", endBox.value ? {query: query, time: end / 1000} : {query: query});
    }
    stats.textContent = "Running…";
    request.then(function (result) {
      var took = Math.round(performance.now() - started) + " ms";
      if (!result.ok) { showError(result, query); stats.textContent = "Failed after " + took + "."; return; }
      errorBox.hidden = true;
      var data = result.data, count = Array.isArray(data.result) && data.resultType !== "scalar" && data.resultType !== "string"
        ? data.result.length : 1;
      stats.textContent = (range ? "Range query" : "Instant query") + " · " + data.resultType + " · " +
        count + (count === 1 ? " result" : " results") + " · " + took +
        [["warnings", result.warnings], ["notes", result.infos]].map(function (extra) {
          return extra[1] && extra[1].length ? " · " + extra[0] + ": " + extra[1].join("; ") : "";
        }).join("");
      if (range && data.resultType === "matrix") showGraph(data.result, range); else showTable(data);
    });
  }

  function showGraph(series, range) {
    Ember.replace(resultBox);
    if (series.length === 0) { Ember.replace(chartBox, el("p", {class: "muted"}, "Empty query result.")); return; }
    var note = series.length > MAX_SERIES ? el("p", {class: "muted"}, "Drawing the first " + MAX_SERIES + " of " + series.length + " series.") : null;
    var holder = el("div");
    Ember.replace(chartBox, note, holder);
    EmberChart.render(holder, series.slice(0, MAX_SERIES), range);
  }

  function showTable(data) {
    Ember.replace(chartBox);
    var rows;
    if (data.resultType === "scalar" || data.resultType === "string") {
      rows = [[el("span", {class: "muted"}, data.resultType), data.result[1]]];
    } else if (data.result.length === 0) {
      Ember.replace(resultBox, el("p", {class: "muted"}, "Empty query result."));
      return;
    } else {
      rows = data.result.slice(0, MAX_ROWS).map(function (item) {
        var value = item.value ? item.value[1]
          : item.values ? item.values.map(function (p) { return p[1] + " @" + p[0]; }).join("\n")
          : item.histogram ? "native histogram: count " + item.histogram[1].count + ", sum " + item.histogram[1].sum
          : "(no float samples)";
        return [Ember.seriesName(item.metric), value];
      });
    }
    var note = data.result.length > MAX_ROWS ? el("p", {class: "muted"}, "Showing the first " + MAX_ROWS + " of " + data.result.length + " series.") : null;
    Ember.replace(resultBox, note, el("table", {id: "result-table"},
      el("thead", null, el("tr", null, el("th", {scope: "col"}, "Series"), el("th", {scope: "col", class: "num"}, "Value"))),
      el("tbody", null, rows.map(function (row) {
        return el("tr", null, el("td", {class: "labels mono"}, row[0]), el("td", {class: "num mono", style: "white-space:pre"}, row[1]));
      }))));
  }

  // Shows an API or input error; a parse error's "line:column" is marked in the query and the
  // cursor put there.
  function showError(result, query) {
    Ember.replace(chartBox); Ember.replace(resultBox);
    var parts = [el("strong", null, "Error" + (result.errorType ? " (" + result.errorType + ")" : "") + ": "),
      el("span", {id: "error-text"}, result.error)];
    var match = /(\d+):(\d+): parse error/.exec(result.error || "");
    var at = match && query !== null ? locate(query, +match[1], +match[2]) : null;
    if (at) {
      parts.push(el("pre", {"aria-label": "The query with the error position marked"},
        (at.lineNumber > 1 ? "line " + at.lineNumber + ": " : "") + at.line.slice(0, at.column),
        el("mark", {class: "error-at"}, at.line.charAt(at.column) || " "), at.line.slice(at.column + 1)));
    }
    Ember.replace(errorBox, parts);
    errorBox.hidden = false;
    if (at) { exprBox.focus(); exprBox.setSelectionRange(at.index, at.index + 1); }
  }

  // Prometheus counts lines from 1 and columns in UTF-8 bytes from 1; this finds that character.
  function locate(query, lineNumber, byteColumn) {
    var lines = query.split("\n");
    if (lineNumber < 1 || lineNumber > lines.length) return null;
    var line = lines[lineNumber - 1], bytes = new TextEncoder().encode(line);
    if (byteColumn < 1 || byteColumn - 1 > bytes.length) return null;
    var column = new TextDecoder().decode(bytes.slice(0, byteColumn - 1)).length;
    var index = lines.slice(0, lineNumber - 1).reduce(function (sum, l) { return sum + l.length + 1; }, 0) + column;
    return {line: line, lineNumber: lineNumber, column: column, index: index};
  }

  run();
})();
"""#
}
