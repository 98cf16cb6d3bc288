/// The targets page: `/api/v1/targets` grouped by scrape pool (each a collapsible section), with
/// each target's state, labels, last scrape, duration and error, filtered by state and by text.
enum TargetsScript {
    static let text = #"""
"use strict";
(function () {
  var el = Ember.el, $ = function (id) { return document.getElementById(id); };
  var stateBox = $("state"), searchBox = $("search"), summary = $("summary"), poolsBox = $("pools");
  var targets = [], fetchedAt = 0, collapsed = {};

  function load() {
    summary.textContent = "Loading…";
    Ember.api("api/v1/targets").then(function (result) {
      if (!result.ok) { Ember.replace(poolsBox, Ember.unavailable("The targets list", result)); summary.textContent = ""; return; }
      targets = result.data.activeTargets || [];
      fetchedAt = Date.now();
      draw();
    });
  }

  function matches(target, state, words) {
    if (state && target.health !== state) return false;
    var text = [target.scrapeUrl, target.lastError, target.scrapePool].concat(Object.keys(target.labels).map(function (k) {
      return k + "=" + target.labels[k];
    })).join(" ").toLowerCase();
    return words.every(function (word) { return text.indexOf(word) >= 0; });
  }

  function draw() {
    var state = stateBox.value, words = searchBox.value.toLowerCase().split(/\s+/).filter(Boolean);
    var pools = {}, names = [], shown = 0;
    targets.forEach(function (target) {
      var pool = target.scrapePool;
      if (!pools[pool]) { pools[pool] = {all: [], shown: []}; names.push(pool); }
      pools[pool].all.push(target);
      if (matches(target, state, words)) { pools[pool].shown.push(target); shown++; }
    });
    names.sort();
    var up = targets.filter(function (t) { return t.health === "up"; }).length;
    summary.textContent = targets.length + " targets in " + names.length + " scrape pools, " + up + " up" +
      (shown !== targets.length ? "; " + shown + " match the filter" : "") + ".";
    Ember.replace(poolsBox, names.filter(function (name) { return pools[name].shown.length > 0; }).map(function (name) {
      return poolSection(name, pools[name]);
    }), targets.length === 0 ? el("p", {class: "muted"}, "No targets are configured.") : null);
  }

  function poolSection(name, pool) {
    var up = pool.all.filter(function (t) { return t.health === "up"; }).length;
    var details = el("details", {class: "pool", open: !collapsed[name], "data-pool": name},
      el("summary", null, name + " ", el("span", {class: "muted"}, "(" + up + "/" + pool.all.length + " up)")),
      el("table", null,
        el("colgroup", null, ["endpoint", "state-col", "labels-col", "scrape", "duration", "error-col"].map(function (c) {
          return el("col", {class: c});
        })),
        el("thead", null, el("tr", null, ["Endpoint", "State", "Labels", "Last scrape", "Duration", "Error"].map(function (h, i) {
          return el("th", {scope: "col", class: i === 4 ? "num" : null}, h);
        }))),
        el("tbody", null, pool.shown.map(targetRow))));
    details.addEventListener("toggle", function () { collapsed[name] = !details.open; });
    return details;
  }

  function targetRow(target) {
    var health = target.health === "up" || target.health === "down" ? target.health : "unknown";
    return el("tr", {"data-health": health},
      el("td", {class: "mono"}, el("a", {href: target.scrapeUrl}, target.scrapeUrl)),
      el("td", null, el("span", {class: "state " + health}, health.toUpperCase())),
      el("td", {class: "labels"}, Ember.labelChips(target.labels)),
      el("td", {title: target.lastScrape, "data-label": "Last scrape"}, Ember.ago(target.lastScrape, fetchedAt)),
      el("td", {class: "num", "data-label": "Duration"},
        target.lastScrapeDuration > 0 ? Ember.seconds(target.lastScrapeDuration) : "—"),
      el("td", {class: "mono target-error", "data-label": target.lastError ? "Error" : null}, target.lastError || ""));
  }

  stateBox.addEventListener("change", draw);
  searchBox.addEventListener("input", draw);
  $("refresh").addEventListener("click", load);
  $("expand").addEventListener("click", function () { setAll(true); });
  $("collapse").addEventListener("click", function () { setAll(false); });
  function setAll(open) {
    poolsBox.querySelectorAll("details.pool").forEach(function (d) { d.open = open; collapsed[d.dataset.pool] = !open; });
  }
  load();
})();
"""#
}
