/// Helpers every page uses: building DOM, calling the API, formatting labels, times and durations.
/// Exposed as the global `Ember`.
enum CommonScript {
    static let text = #"""
"use strict";
var Ember = (function () {
  // el("td", {class: "num"}, "text", childNode, ...): an element with attributes and children.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (attrs[key] === false || attrs[key] == null) continue;
      if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child == null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function replace(node) {
    node.textContent = "";
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
  }

  // GETs an API path relative to the page (so a route prefix and basic auth carry over).
  // Resolves to {ok: true, data} or {ok: false, status, errorType, error}; never rejects.
  function api(path, params) {
    var url = new URL(path, location.href);
    // A page opened as http://user:pass@host/ resolves relative URLs with the credentials in them,
    // which fetch refuses; without them the browser still sends the credentials it has cached.
    url.username = ""; url.password = "";
    if (params) url.search = new URLSearchParams(params).toString();
    return fetch(url.href, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = JSON.parse(text); } catch (e) { /* not JSON: described below */ }
          if (response.ok && body && body.status === "success") return {ok: true, data: body.data, warnings: body.warnings, infos: body.infos};
          if (body && body.status === "error") {
            return {ok: false, status: response.status, errorType: body.errorType, error: body.error};
          }
          var error = response.status === 404
            ? "not available: this server does not serve " + path + " (HTTP 404)"
            : "HTTP " + response.status + " from " + path + (text ? ": " + text.slice(0, 200) : "");
          return {ok: false, status: response.status, errorType: "http", error: error};
        });
      }, function (failure) {
        return {ok: false, status: 0, errorType: "network", error: "could not reach the server: " + failure.message};
      });
  }

  // A notice in place of a section whose endpoint failed.
  function unavailable(what, result) {
    return el("p", {class: result.status === 404 ? "notice" : "error", role: "status"}, what + " is " +
      (result.status === 404 ? "not available on this server yet." : "unavailable: " + result.error));
  }

  // {__name__: "up", job: "x"} → 'up{job="x"}'
  function seriesName(metric) {
    var name = metric.__name__ || "";
    var pairs = Object.keys(metric).filter(function (k) { return k !== "__name__"; }).sort()
      .map(function (k) { return k + "=" + JSON.stringify(metric[k]); });
    return pairs.length || !name ? name + "{" + pairs.join(", ") + "}" : name;
  }
  function labelChips(labels) {
    return Object.keys(labels).sort().map(function (k) {
      return el("span", {class: "label mono"}, k + "=" + JSON.stringify(labels[k]));
    });
  }

  // 0.0123 → "12.3ms", 2.5 → "2.5s", 125 → "2m5s"
  function seconds(value) {
    if (!isFinite(value)) return String(value);
    if (value < 1) return +(value * 1000).toPrecision(3) + "ms";
    if (value < 60) return +value.toPrecision(3) + "s";
    var s = Math.round(value), out = "";
    [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]].forEach(function (unit) {
      if (s >= unit[1]) { out += Math.floor(s / unit[1]) + unit[0]; s %= unit[1]; }
    });
    return out;
  }
  // An RFC 3339 time → "12s ago"; Go's zero time → "never".
  function ago(rfc3339, now) {
    var t = Date.parse(rfc3339);
    if (!isFinite(t) || t <= 0) return "never";
    var s = Math.max(0, ((now || Date.now()) - t) / 1000);
    return (s < 10 ? s.toFixed(1) + "s" : seconds(s)) + " ago";
  }
  // Milliseconds → "2026-11-29 18:01:14" in local time.
  function localTime(ms) {
    var d = new Date(ms), p = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " +
      p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }
  // "1h30m" → 5400000; seconds as a number ("15", "0.5") are accepted too; anything else → null.
  function parseDuration(text) {
    text = String(text || "").trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Math.round(parseFloat(text) * 1000);
    if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return null;
    var units = {ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6}, total = 0;
    text.replace(/(\d+)(ms|s|m|h|d|w|y)/g, function (_, n, unit) { total += parseInt(n, 10) * units[unit]; });
    return total;
  }

  return {el: el, replace: replace, api: api, unavailable: unavailable, seriesName: seriesName,
    labelChips: labelChips, seconds: seconds, ago: ago, localTime: localTime, parseDuration: parseDuration};
})();
"""#
}
