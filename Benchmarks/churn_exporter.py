#!/usr/bin/env python3
"""Deterministic scrape target whose series churn (Python 3 stdlib only).

Serves Prometheus text format 0.0.4 on /metrics with --series series in total:

  api_requests_total{route,pod}                 stable counters, (1 - share) of the series
  session_requests_total{user_id,region}        churning counters, share of the series

Every --period seconds (the "epoch") every churning slot gets a fresh user_id,
so share*series series disappear and the same number of new ones appear: the
pattern a label such as user_id or request_id produces. The user_id of slot k
in epoch e is "u<e*churning+k>", so ids never repeat and several scrapers
that arrive at different moments of one epoch see exactly the same series.
Values are a pure function of (seed, series, wall time).

    python3 churn_exporter.py --port 19711 --series 10000 --share 0.1 --period 10
"""
import argparse
import http.server
import math
import time

ROUTES = ["/v1/chat", "/v1/embed", "/v1/models", "/v1/files", "/v1/audio",
          "/v1/images", "/v1/batch", "/v1/usage"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"]


class ChurnTarget:
    """The series set at wall time t; render(t) is the exposition text."""

    def __init__(self, series, share, period, seed):
        if series < 1:
            raise SystemExit("--series must be >= 1, got %d" % series)
        if not 0.0 <= share <= 1.0:
            raise SystemExit("--share must be within [0, 1], got %s" % share)
        if period <= 0:
            raise SystemExit("--period must be > 0 seconds, got %s" % period)
        self.churning = int(round(series * share))
        self.stable = series - self.churning
        self.period, self.seed = period, seed

    def _counter(self, idx, t):
        # monotonic: base + rate*t + a*(1-cos(w t)), a*w <= rate
        h = (idx * 2654435761 + self.seed * 40503) & 0xFFFFFFFF
        rate = 1 + (h % 97) / 10.0
        w = 2 * math.pi / (300 + h % 600)
        a = rate / w * 0.5
        return int((h % 10000) + rate * t + a * (1 - math.cos(w * t)))

    def epoch(self, t):
        return int(t // self.period)

    def render(self, t):
        out = ["# HELP api_requests_total Requests served (stable series).",
               "# TYPE api_requests_total counter"]
        for i in range(self.stable):
            out.append('api_requests_total{route="%s",pod="pod-%d"} %d'
                       % (ROUTES[i % len(ROUTES)], i // len(ROUTES), self._counter(i, t)))
        if self.churning:
            e = self.epoch(t)
            out.append("# HELP session_requests_total Requests per user session (churning series).")
            out.append("# TYPE session_requests_total counter")
            for k in range(self.churning):
                uid = e * self.churning + k
                # a session's counter starts near zero when the session appears
                v = self._counter(self.stable + k, t) - self._counter(self.stable + k, e * self.period)
                out.append('session_requests_total{user_id="u%d",region="%s"} %d'
                           % (uid, REGIONS[k % len(REGIONS)], max(0, v)))
        out.append("")
        return "\n".join(out).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=19711)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--series", type=int, default=10000)
    ap.add_argument("--share", type=float, default=0.1, help="share of series replaced every period")
    ap.add_argument("--period", type=float, default=10.0, help="seconds between replacements")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    target = ChurnTarget(args.series, args.share, args.period, args.seed)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404, "only /metrics is served")
                return
            body = target.render(time.time())
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
