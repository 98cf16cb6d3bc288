/// A small SVG line chart for range-query results, exposed as the global `EmberChart`.
///
/// One line per series (broken where samples are missing or not finite), value and time axes
/// with round-number ticks, a legend with each series' labels, and a cursor that follows the
/// mouse or the arrow keys and shows the time, series and exact value under it.
enum ChartScript {
    static let text = #"""
"use strict";
var EmberChart = (function () {
  var SVG = "http://www.w3.org/2000/svg";
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var COLORS = dark
    ? ["#74c0fc", "#ff922b", "#69db7c", "#f783ac", "#b197fc", "#e9c46a", "#66d9e8", "#ffa8a8",
       "#a9e34b", "#e599f7", "#ced4da", "#4dabf7"]
    : ["#1f77b4", "#d9480f", "#2b8a3e", "#c2255c", "#7048e8", "#8c6d1f", "#0b7285", "#e67700",
       "#5c940d", "#862e9c", "#495057", "#1864ab"];
  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
    43200, 86400, 172800, 604800, 2592000]; // seconds
  var SI = [[1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];

  function node(tag, attrs, parent) {
    var n = document.createElementNS(SVG, tag);
    for (var key in attrs) n.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(n);
    return n;
  }

  // Prometheus sends values as strings; "+Inf", "-Inf" and "NaN" included.
  function number(text) {
    if (text === "+Inf") return Infinity;
    if (text === "-Inf") return -Infinity;
    return parseFloat(text);
  }

  // About `count` ticks at 1, 2 or 5 × 10^k between min and max.
  function valueTicks(min, max, count) {
    var raw = (max - min) / count, magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * magnitude; })
      .find(function (s) { return s >= raw; });
    var ticks = [];
    for (var v = Math.floor(min / step) * step; v < max + step; v += step) {
      ticks.push(+v.toPrecision(12));
      if (v >= max) break;
    }
    return ticks;
  }
  function formatValue(v) {
    var abs = Math.abs(v);
    if (v === 0) return "0";
    for (var i = 0; i < SI.length; i++) {
      if (abs >= SI[i][0]) return +(v / SI[i][0]).toPrecision(3) + SI[i][1];
    }
    return abs < 1e-3 ? v.toExponential(1) : String(+v.toPrecision(3));
  }

  // Ticks at a round time step in local time, at most `count` of them.
  function timeTicks(start, end, count) {
    var span = (end - start) / 1000;
    var step = (TIME_STEPS.find(function (s) { return span / s <= count; }) || TIME_STEPS[TIME_STEPS.length - 1]) * 1000;
    var offset = new Date(start).getTimezoneOffset() * 60000;
    var ticks = [];
    for (var t = Math.ceil((start - offset) / step) * step + offset; t <= end; t += step) ticks.push(t);
    return {ticks: ticks, step: step};
  }
  function formatTime(t, step) {
    var d = new Date(t), p = function (n) { return String(n).padStart(2, "0"); };
    var day = p(d.getMonth() + 1) + "-" + p(d.getDate());
    if (step >= 86400000) return day;
    var clock = p(d.getHours()) + ":" + p(d.getMinutes()) + (step < 60000 ? ":" + p(d.getSeconds()) : "");
    return d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 ? day : clock;
  }

  // The index of the sample nearest to t in points sorted by time, or -1 if none is within `within`.
  function nearest(points, t, within) {
    var lo = 0, hi = points.length - 1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (points[mid][0] < t) lo = mid + 1; else hi = mid;
    }
    var best = -1;
    [lo - 1, lo].forEach(function (i) {
      if (i >= 0 && i < points.length && Math.abs(points[i][0] - t) <= within &&
          (best < 0 || Math.abs(points[i][0] - t) < Math.abs(points[best][0] - t))) best = i;
    });
    return best;
  }

  // Draws `result` (a matrix) into `container`. range: {start, end, step} in milliseconds.
  function render(container, result, range) {
    var el = Ember.el;
    var series = result.map(function (s, i) {
      return {name: Ember.seriesName(s.metric), color: COLORS[i % COLORS.length],
        points: (s.values || []).map(function (p) { return [p[0] * 1000, number(p[1]), p[1]]; })};
    });
    var min = Infinity, max = -Infinity;
    series.forEach(function (s) {
      s.points.forEach(function (p) { if (isFinite(p[1])) { min = Math.min(min, p[1]); max = Math.max(max, p[1]); } });
    });
    if (min === Infinity) { Ember.replace(container, el("p", {class: "muted"}, "No finite values to draw.")); return; }
    if (min === max) { var pad = Math.abs(min) * 0.1 || 1; min -= pad; max += pad; }

    var width = Math.max(320, container.clientWidth || 800), height = 340;
    var left = 64, right = 16, top = 10, bottom = 28;
    var plotW = width - left - right, plotH = height - top - bottom;
    var yTicks = valueTicks(min, max, 6);
    var yMin = yTicks[0], yMax = yTicks[yTicks.length - 1];
    var x = function (t) { return left + (t - range.start) / (range.end - range.start || 1) * plotW; };
    var y = function (v) { return top + (yMax - v) / (yMax - yMin) * plotH; };

    var svg = node("svg", {viewBox: "0 0 " + width + " " + height, width: width, height: height, tabindex: 0,
      role: "img", "aria-label": "Graph of " + series.length + " series. Arrow keys move the cursor; the value under it is read below."});
    var axes = node("g", {class: "axis"}, svg);
    yTicks.forEach(function (v) {
      node("line", {class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v)}, axes);
      node("text", {x: left - 6, y: y(v) + 4, "text-anchor": "end"}, axes).textContent = formatValue(v);
    });
    var xTicks = timeTicks(range.start, range.end, Math.max(2, Math.floor(plotW / 90)));
    xTicks.ticks.forEach(function (t) {
      node("line", {class: "grid", x1: x(t), x2: x(t), y1: top, y2: top + plotH}, axes);
      node("text", {x: x(t), y: height - 8, "text-anchor": "middle"}, axes).textContent = formatTime(t, xTicks.step);
    });

    var gap = (range.step || 1) * 1.5;
    series.forEach(function (s) {
      var d = "", segment = 0, previous = null;
      s.points.forEach(function (p) {
        if (!isFinite(p[1])) { previous = null; return; }
        var joined = previous && p[0] - previous[0] <= gap;
        if (!joined && segment === 1) d += "h0";
        d += (joined ? "L" : "M") + x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1);
        segment = joined ? segment + 1 : 1;
        previous = p;
      });
      if (segment === 1) d += "h0";
      s.path = node("path", {class: "series", d: d, stroke: s.color, "stroke-linecap": "round"}, svg);
    });

    var cursorLine = node("line", {class: "cursor", y1: top, y2: top + plotH, visibility: "hidden"}, svg);
    var dot = node("circle", {r: 4, visibility: "hidden"}, svg);
    var overlay = node("rect", {x: left, y: top, width: plotW, height: plotH, fill: "transparent"}, svg);
    var tooltip = el("div", {class: "tooltip", hidden: true});
    var spoken = el("p", {class: "visually-hidden", "aria-live": "polite"});
    var legend = el("ul", {class: "legend", "aria-label": "Legend"}, series.map(function (s) {
      return el("li", {onmouseenter: function () { highlight(s); }, onmouseleave: function () { highlight(null); }},
        el("span", {class: "swatch", style: "background:" + s.color}), el("span", {class: "mono"}, s.name));
    }));
    Ember.replace(container, el("div", {class: "chart"}, svg, tooltip), spoken, legend);

    function highlight(chosen) {
      series.forEach(function (s) { s.path.classList.toggle("faded", chosen !== null && s !== chosen && series.length > 1); });
    }
    var state = {t: null, series: null};
    function show(t, chosen) {
      var i = nearest(chosen.points, t, gap / 2);
      if (i < 0) {
        hide();
        state = {t: t, series: chosen};
        spoken.textContent = chosen.name + ": no sample at " + Ember.localTime(t);
        return;
      }
      var point = chosen.points[i], cx = x(point[0]);
      var cy = isFinite(point[1]) ? y(point[1]) : top;
      state = {t: point[0], series: chosen};
      cursorLine.setAttribute("x1", cx); cursorLine.setAttribute("x2", cx); cursorLine.setAttribute("visibility", "visible");
      dot.setAttribute("cx", cx); dot.setAttribute("cy", cy); dot.setAttribute("fill", chosen.color);
      dot.setAttribute("visibility", "visible");
      highlight(chosen);
      Ember.replace(tooltip, el("div", null, el("strong", null, point[2])), el("div", {class: "muted"}, Ember.localTime(point[0])),
        el("div", {class: "mono"}, chosen.name));
      tooltip.hidden = false;
      var box = svg.getBoundingClientRect(), scale = box.width / width;
      var px = cx * scale;
      tooltip.style.left = (px > box.width / 2 ? px - tooltip.offsetWidth - 12 : px + 12) + "px";
      tooltip.style.top = Math.max(0, cy * scale - 20) + "px";
      spoken.textContent = chosen.name + " = " + point[2] + " at " + Ember.localTime(point[0]);
    }
    function hide() {
      tooltip.hidden = true; cursorLine.setAttribute("visibility", "hidden"); dot.setAttribute("visibility", "hidden");
      highlight(null);
    }
    overlay.addEventListener("mousemove", function (event) {
      var box = svg.getBoundingClientRect(), scale = width / box.width;
      var mx = (event.clientX - box.left) * scale, my = (event.clientY - box.top) * scale;
      var t = range.start + (mx - left) / plotW * (range.end - range.start);
      var best = null, bestDistance = Infinity;
      series.forEach(function (s) {
        var i = nearest(s.points, t, gap / 2);
        if (i < 0 || !isFinite(s.points[i][1])) return;
        var distance = Math.abs(y(s.points[i][1]) - my);
        if (distance < bestDistance) { best = s; bestDistance = distance; }
      });
      if (best) show(t, best); else hide();
    });
    overlay.addEventListener("mouseleave", hide);
    svg.addEventListener("keydown", function (event) {
      var s = state.series || series[0], t = state.t === null ? range.start : state.t;
      var index = series.indexOf(s), step = range.step || 1;
      if (event.key === "ArrowRight") t = Math.min(range.end, t + step);
      else if (event.key === "ArrowLeft") t = Math.max(range.start, t - step);
      else if (event.key === "ArrowDown") s = series[(index + 1) % series.length];
      else if (event.key === "ArrowUp") s = series[(index - 1 + series.length) % series.length];
      else if (event.key === "Escape") { hide(); return; }
      else return;
      event.preventDefault();
      show(t, s);
    });
  }

  return {render: render, valueTicks: valueTicks, timeTicks: timeTicks, formatValue: formatValue};
})();
"""#
}
