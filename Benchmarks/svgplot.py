"""Minimal SVG line and grouped-bar charts (Python stdlib only; no matplotlib here).

line_chart(...) and bar_chart(...) return a complete SVG document as a string.
Colours are fixed per system name so every plot uses the same legend.
"""
import math
from xml.sax.saxutils import escape

COLORS = {"ember": "#d9480f", "prometheus": "#1c7ed6", "victoriametrics": "#37b24d"}
EXTRA = ["#7048e8", "#f59f00", "#495057", "#e64980"]
W, H, L, R, T, B = 720, 400, 80, 170, 40, 55


def _color(name, i):
    for k, c in COLORS.items():
        if name.startswith(k):
            return c
    return EXTRA[i % len(EXTRA)]


def _nice_ticks(lo, hi, n=5):
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while True:  # the last tick is the axis top: it must reach hi, or the tallest bar/point leaves the frame
        ticks.append(round(v, 10))
        if v >= hi - step * 1e-9:
            return ticks
        v += step


def _fmt(v):
    if v == 0:
        return "0"
    a = abs(v)
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return ("%g" % round(v / div, 2)) + suf
    return "%g" % round(v, 3)


def _frame(title, xlabel, ylabel):
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="12">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>' % (L, escape(title)),
           '<text x="%d" y="%d" text-anchor="middle">%s</text>' % (L + (W - L - R) / 2, H - 12, escape(xlabel)),
           '<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">%s</text>'
           % (T + (H - T - B) / 2, T + (H - T - B) / 2, escape(ylabel))]
    return out


def _legend(out, names):
    for i, n in enumerate(names):
        y = T + 10 + i * 20
        out.append('<rect x="%d" y="%d" width="14" height="10" fill="%s"/>' % (W - R + 15, y - 9, _color(n, i)))
        out.append('<text x="%d" y="%d">%s</text>' % (W - R + 35, y, escape(n)))


def line_chart(title, xlabel, ylabel, series, logx=False, hlines=()):
    """series: {name: [(x, y), ...]}; hlines: [(y, label, name_for_colour)]. Returns SVG text."""
    pts = [(x, y) for s in series.values() for x, y in s if y is not None]
    ys = [y for _, y in pts] + [h[0] for h in hlines]
    if not pts:
        pts, ys = [(1, 0)], [0]
    xs = [x for x, _ in pts]
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    yt = _nice_ticks(0, max(ys) * 1.05 or 1)
    y1 = yt[-1]

    def px(v):
        return L + (fx(v) - x0) / (x1 - x0) * (W - L - R)

    def py(v):
        return H - B - v / y1 * (H - T - B)
    out = _frame(title, xlabel, ylabel)
    for t in yt:
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (L, W - R, py(t), py(t)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 6, py(t) + 4, _fmt(t)))
    xt = sorted(set(xs)) if logx else _nice_ticks(min(xs), max(xs))
    for t in xt:
        if (fx(t) < x0 - 1e-9) or (fx(t) > x1 + 1e-9):
            continue
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (px(t), H - B + 18, _fmt(t)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>' % (L, T, W - L - R, H - T - B))
    names = list(series)
    for i, (n, s) in enumerate(series.items()):
        c = _color(n, i)
        p = [(px(x), py(y)) for x, y in s if y is not None]
        if len(p) > 1:
            out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                       % (c, " ".join("%.1f,%.1f" % q for q in p)))
        if len(p) <= 30:
            for q in p:
                out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (q[0], q[1], c))
    for i, (y, label, n) in enumerate(hlines):
        c = _color(n, i)
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6,4"/>'
                   % (L, W - R, py(y), py(y), c))
        out.append('<text x="%d" y="%.1f" fill="%s">%s</text>' % (L + 4, py(y) - 4, c, escape(label)))
    _legend(out, names)
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(title, ylabel, groups, names):
    """groups: [(group_label, {name: value})]; one bar per name in each group. Returns SVG text."""
    vals = [v for _, d in groups for v in d.values() if v is not None]
    yt = _nice_ticks(0, (max(vals) if vals else 1) * 1.1)
    y1 = yt[-1]

    def py(v):
        return H - B - v / y1 * (H - T - B)
    out = _frame(title, "", ylabel)
    for t in yt:
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (L, W - R, py(t), py(t)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 6, py(t) + 4, _fmt(t)))
    gw = (W - L - R) / max(1, len(groups))
    bw = gw * 0.8 / max(1, len(names))
    for gi, (g, d) in enumerate(groups):
        gx = L + gi * gw + gw * 0.1
        for ni, n in enumerate(names):
            v = d.get(n)
            if v is None:
                continue
            x = gx + ni * bw
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                       % (x, py(v), bw - 2, H - B - py(v), _color(n, ni)))
            out.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>'
                       % (x + bw / 2, py(v) - 3, _fmt(v)))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (L + gi * gw + gw / 2, H - B + 18, escape(g)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>' % (L, T, W - L - R, H - T - B))
    _legend(out, names)
    out.append("</svg>")
    return "\n".join(out)
