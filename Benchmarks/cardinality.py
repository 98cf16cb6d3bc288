#!/usr/bin/env python3
"""Cardinality benchmark: Ember, Prometheus and VictoriaMetrics side by side.

For every point (N active series, optionally with churn) all three servers
scrape the SAME targets at the SAME time; the script then measures per system:
RSS steady (median of the second half of ingest) and peak, RSS bytes per
series, CPU seconds per 1M samples, scrape duration (scrape_duration_seconds),
and the latency of /api/v1/labels, /api/v1/series?match[]=... and a few
dashboard query_range panels.

Points: --sizes (default 1000,10000,100000; --with-1m adds 1000000, too heavy
for a 2-core box by default) with the shared synth_exporter.py targets, plus
one churn point (--churn-series, --churn-share of the series replaced every
scrape interval) served by Benchmarks/churn_exporter.py.

It reuses the process/RSS/CPU helpers of the shared harness
(<repo>/../shared/bench/sidebyside.py, override with --bench-dir). Everything
binds 127.0.0.1; every process started is stopped at the end.

    python3 Benchmarks/cardinality.py --ember-bin .build/release/ember \\
        --out docs/benchmarks/data/cardinality.json
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def add_comparison_args(ap, prometheus_bin=False):
    """The flags of the backfill reports (retention, shapes): the harness, Ember's binary and the
    reference tools' binaries."""
    ap.add_argument("--bench-dir", default=default_bench_dir())
    ap.add_argument("--ember-bin", default=os.path.join(REPO, ".build", "release", "ember"))
    if prometheus_bin:
        ap.add_argument("--prometheus-bin", default="/usr/bin/prometheus")
    ap.add_argument("--promtool-bin", default="/usr/bin/promtool")
    ap.add_argument("--vm-bin", default="/usr/bin/victoria-metrics")
    ap.add_argument("--no-vm", action="store_true")


def default_bench_dir():
    """<repo>/../shared/bench; in a git worktree, the main checkout's sibling."""
    cand = os.path.join(REPO, "..", "shared", "bench")
    if os.path.exists(os.path.join(cand, "sidebyside.py")):
        return cand
    try:
        common = subprocess.run(["git", "-C", REPO, "rev-parse", "--path-format=absolute", "--git-common-dir"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        if common:
            return os.path.join(os.path.dirname(common), "..", "shared", "bench")
    except Exception:
        pass
    return cand


def load_harness(bench_dir):
    if not os.path.exists(os.path.join(bench_dir, "sidebyside.py")):
        raise SystemExit("shared harness not found: %s/sidebyside.py (use --bench-dir)" % bench_dir)
    sys.path.insert(0, bench_dir)
    import sidebyside  # noqa: E402
    return sidebyside


def run_and_write(H, args, name, run):
    """Runs `run(H, args, workdir)` in a fresh work directory under --tmp, stopping every process the
    harness started on exit or on SIGTERM/SIGINT (the directory is kept with --keep), then writes its
    result, with the run's facts, as JSON to --out."""
    def on_sig(signum, frame):
        H.cleanup()
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)
    wd = tempfile.mkdtemp(prefix="bench-%s-" % name, dir=args.tmp)
    H.log("workdir", wd)
    try:
        res = run(H, args, wd)
    finally:
        H.cleanup()
        if not args.keep:
            shutil.rmtree(wd, ignore_errors=True)
    res.update({"benchmark": name, "argv": sys.argv, "nproc": os.cpu_count(),
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "loadavg_end": open("/proc/loadavg").read().split()[:3]})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    H.log("wrote", args.out)


SYNTH_PANELS = [
    ("rate_sum_by_status", 'sum by (status_code) (rate(http_requests_total[5m]))'),
    ("p95_histogram", 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
    ("avg_by_provider", 'avg by (provider) (provider_response_time_seconds)'),
]
SYNTH_SERIES_MATCH = ['http_requests_total{status_code="500"}', 'cache_hit_ratio']
CHURN_PANELS = [
    ("rate_sum_by_route", 'sum by (route) (rate(api_requests_total[5m]))'),
    ("sessions_by_region", 'count by (region) (session_requests_total)'),
    ("rate_sum_sessions", 'sum(rate(session_requests_total[5m]))'),
]
CHURN_SERIES_MATCH = ['session_requests_total{region="eu-west-1"}', 'api_requests_total']


def timed_get(H, url, reps):
    """Median/min/max milliseconds of `reps` GETs and the size of the last body."""
    xs, size, err = [], None, None
    for _ in range(reps):
        try:
            t0 = time.perf_counter()
            _, body = H.http_get(url, timeout=120)
            xs.append((time.perf_counter() - t0) * 1000)
            size = len(body)
        except Exception as e:  # recorded, not fatal: one system failing must not hide the others
            err = str(e)[:200]
    s = H.summarize(xs) or {}
    s.update({"bytes": size, "error": err})
    return s


def engine_ms(H, url, reps):
    """Median of the server's own execTotalTime (ms) for `url` asked with stats=all, or None when the
    server does not report it (VictoriaMetrics). Separate requests, after the timed ones."""
    xs = []
    for _ in range(reps):
        try:
            _, body = H.http_get(url + "&stats=all", timeout=120)
            t = json.loads(body)["data"]["stats"]["timings"]["execTotalTime"]
            xs.append(float(t) * 1000)
        except Exception:
            return None
    return statistics.median(xs) if xs else None


def thread_runtimes(pids):
    """{(pid, tid): nanoseconds on CPU} from /proc/PID/task/TID/schedstat (the scheduler's own
    accounting, not 10 ms ticks)."""
    out = {}
    for p in pids:
        try:
            tids = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for t in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (p, t)) as f:
                    out[(p, int(t))] = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return out


class RuntimeMeter:
    """CPU seconds of a process tree over a window, to the nanosecond: every thread's schedstat at
    the start, at each sample and at the end. A thread first seen after the start counts from
    zero; one that exits counts up to its last sample (at most one sampling interval lost)."""

    def __init__(self, H, pid):
        self.H, self.pid = H, pid
        self.first = thread_runtimes(H.tree_pids(pid))
        self.last = dict(self.first)

    def sample(self):
        self.last.update(thread_runtimes(self.H.tree_pids(self.pid)))

    def seconds(self):
        return sum(v - self.first.get(k, 0) for k, v in self.last.items()) / 1e9


def instant(H, base, q, t):
    try:
        res, _ = H.promql_instant(base, q, t, timeout=120)
        return H.scalar_of(res)
    except Exception:
        return None


def run_point(H, args, point, wd):
    """One measurement point; returns {'config':..., 'systems': {name: result}}."""
    pb = args.port_base
    series, churn = point["series"], point.get("churn_share", 0.0)
    # 25k series a target, at most 8 targets: 40 Python exporters at 1M would take the CPU the
    # servers are measured on (8 exporters of 125k series each keep up with a 10 s interval).
    ntargets = min(8, max(1, series // 25000))
    exp_ports = [pb + 1 + i for i in range(ntargets)]
    sys_ports = {"ember": pb + 92, "prometheus": pb + 90, "victoriametrics": pb + 91}
    for p in exp_ports + list(sys_ports.values()):
        if not H.port_free(p):
            raise SystemExit("port %d busy; choose another --port-base" % p)
    exporters = []
    per = series // ntargets
    for i, p in enumerate(exp_ports):
        n = per if i < ntargets - 1 else series - per * (ntargets - 1)
        if point["kind"] == "churn":
            cmd = [sys.executable, os.path.join(HERE, "churn_exporter.py"), "--port", str(p), "--series", str(n),
                   "--share", str(churn), "--period", str(args.interval), "--seed", str(1 + i)]
        else:
            cmd = [sys.executable, os.path.join(args.bench_dir, "synth_exporter.py"), "--port", str(p),
                   "--series", str(n), "--seed", str(1 + i)]
        lf = open(os.path.join(wd, "exporter-%d.log" % p), "wb")
        pr = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, start_new_session=True)
        H.STARTED.append(pr)
        exporters.append(pr)
    for p, pr in zip(exp_ports, exporters):
        H.wait_ready("http://127.0.0.1:%d/metrics" % p, 60, pr)
    cfg = os.path.join(wd, "scrape.yml")
    H.write_config(cfg, ["127.0.0.1:%d" % p for p in exp_ports], args.interval, max(1, int(args.interval * 0.8)))
    systems = []
    d = os.path.join(wd, "ember-data")
    systems.append(H.System("ember", [args.ember_bin, "--config.file=" + cfg, "--storage.tsdb.path=" + d,
                                      "--web.listen-address=127.0.0.1:%d" % sys_ports["ember"]],
                            sys_ports["ember"], d, wd, "/-/ready", []))
    if not args.no_prometheus:
        d = os.path.join(wd, "prom-data")
        systems.append(H.System("prometheus", [args.prometheus_bin, "--config.file=" + cfg, "--storage.tsdb.path=" + d,
                                               "--web.listen-address=127.0.0.1:%d" % sys_ports["prometheus"]],
                                sys_ports["prometheus"], d, wd, "/-/ready", []))
    if not args.no_vm:
        d = os.path.join(wd, "vm-data")
        systems.append(H.System("victoriametrics", [args.vm_bin, "-promscrape.config=" + cfg, "-storageDataPath=" + d,
                                                    "-httpListenAddr=127.0.0.1:%d" % sys_ports["victoriametrics"]],
                                sys_ports["victoriametrics"], d, wd, "/health", []))
    for s in systems:
        s.start()
    for s in systems:
        s.res["ready_s"] = H.wait_ready(s.base + s.ready_path, 180, s.proc)
    t_start = time.time()
    snap0 = {s.name: H.tree_snapshot(s.proc.pid) for s in systems}
    meters = {s.name: RuntimeMeter(H, s.proc.pid) for s in systems}
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            now = time.time() - t_start
            for s in systems:
                if s.proc.poll() is None:
                    s.samples.append((round(now, 1), sum(H.read_status_kb(p, "VmRSS") for p in H.tree_pids(s.proc.pid))))
                    meters[s.name].sample()
            stop.wait(2)

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    H.log("point %s: %d series, churn %.2f; ingesting %ds" % (point["name"], series, churn, args.duration))
    while time.time() < t_start + args.duration:
        time.sleep(min(5, max(0.1, t_start + args.duration - time.time())))
        for s in systems:
            if s.proc.poll() is not None:
                raise RuntimeError("%s died (rc=%s), see %s/%s.log" % (s.name, s.proc.returncode, wd, s.name))
    t_end = time.time()
    snap1 = {s.name: H.tree_snapshot(s.proc.pid) for s in systems}
    stop.set()
    th.join(5)
    for m in meters.values():
        m.sample()
    time.sleep(args.settle)
    W = int(t_end - t_start)
    panels = CHURN_PANELS if point["kind"] == "churn" else SYNTH_PANELS
    matches = CHURN_SERIES_MATCH if point["kind"] == "churn" else SYNTH_SERIES_MATCH
    q_end = int(t_end) // 15 * 15
    q_start = q_end - 300
    out = {}
    for s in systems:
        a, b = snap0[s.name], snap1[s.name]
        half = [kb for (t, kb) in s.samples if W / 2 <= t <= W]
        r = {"cmd": s.res["cmd"], "ready_s": s.res["ready_s"],
             "rss_steady_mib": statistics.median(half) / 1024 if half else None,
             "rss_peak_sampled_mib": max(kb for _, kb in s.samples) / 1024 if s.samples else None,
             "rss_peak_hwm_mib": b["hwm_kb"] / 1024, "rss_final_mib": b["rss_kb"] / 1024,
             "cpu_s_ingest": b["cpu_s"] - a["cpu_s"],
             "cpu_s_ingest_schedstat": meters[s.name].seconds(),
             "rss_timeline": s.samples[:: max(1, len(s.samples) // 100)]}
        r["active_series"] = instant(H, s.base, 'count({__name__=~".+"})', t_end)
        r["samples_in_window"] = instant(H, s.base, 'sum(sum_over_time(scrape_samples_scraped[%ds]))' % W, t_end)
        r["scrape_duration_avg_s"] = instant(H, s.base, 'avg(avg_over_time(scrape_duration_seconds[%ds]))' % W, t_end)
        r["scrape_duration_max_s"] = instant(H, s.base, 'max(max_over_time(scrape_duration_seconds[%ds]))' % W, t_end)
        if point["kind"] == "churn":
            r["series_seen_in_window"] = instant(
                H, s.base, 'count(count_over_time({__name__="session_requests_total"}[%ds]))' % W, t_end)
        smp, ser = r["samples_in_window"] or 0, r["active_series"] or 0
        # The scheduler's nanoseconds; /proc/PID/stat's 10 ms ticks are kept as cpu_s_ingest.
        r["cpu_s_per_1M_samples"] = r["cpu_s_ingest_schedstat"] / smp * 1e6 if smp else None
        r["rss_steady_bytes_per_series"] = r["rss_steady_mib"] * 1048576 / ser if ser and r["rss_steady_mib"] else None
        r["rss_peak_bytes_per_series"] = r["rss_peak_hwm_mib"] * 1048576 / ser if ser else None
        r["datadir"] = H.dir_breakdown(s.data)  # total plus wal/, chunks_head/, blocks...
        wal = r["datadir"].get("wal")
        r["wal_bytes_per_sample"] = wal / smp if wal and smp else None
        out[s.name] = r
    # latency, interleaved across systems so noise hits all alike
    rng = {"start": "%d" % q_start, "end": "%d" % q_end}
    for s in systems:
        lat = {}
        lat["labels"] = timed_get(H, s.base + "/api/v1/labels?" + urllib.parse.urlencode(rng), args.reps)
        for i, m in enumerate(matches):
            lat["series_%d" % i] = timed_get(H, s.base + "/api/v1/series?" + urllib.parse.urlencode(
                dict(rng, **{"match[]": m})), args.reps)
        for qn, q in panels:
            url = s.base + "/api/v1/query_range?" + urllib.parse.urlencode(dict(rng, query=q, step="15", nocache="1"))
            lat["panel_" + qn] = timed_get(H, url, args.reps)
            lat["panel_" + qn]["engine_ms"] = engine_ms(H, url, args.reps)
        out[s.name]["latency_ms"] = lat
    for s in systems:
        s.stop()
    for e in exporters:
        H.stop_proc(e, grace=5)
    H.log("point %s done: " % point["name"] + "  ".join(
        "%s rss=%.0fMiB series=%s" % (n, r["rss_steady_mib"] or 0, r["active_series"]) for n, r in out.items()))
    return {"config": dict(point, targets=ntargets, interval_s=args.interval, duration_s=args.duration,
                           window_s=W, t_start=t_start, t_end=t_end,
                           loadavg_end=open("/proc/loadavg").read().split()[:3],
                           series_match=matches, panels=dict(panels)),
            "systems": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench-dir", default=default_bench_dir())
    ap.add_argument("--ember-bin", default=os.path.join(REPO, ".build", "release", "ember"))
    ap.add_argument("--prometheus-bin", default="/usr/bin/prometheus")
    ap.add_argument("--vm-bin", default="/usr/bin/victoria-metrics")
    ap.add_argument("--no-prometheus", action="store_true")
    ap.add_argument("--no-vm", action="store_true")
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated active series counts")
    ap.add_argument("--with-1m", action="store_true", help="add a 1,000,000-series point (heavy)")
    ap.add_argument("--churn-series", type=int, default=10000, help="0 skips the churn point")
    ap.add_argument("--churn-share", type=float, default=0.1, help="share of series replaced every interval")
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--duration", type=int, default=150, help="ingest seconds per point")
    ap.add_argument("--settle", type=int, default=35, help="wait after ingest (VM latencyOffset=30s)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--port-base", type=int, default=19700)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "benchmarks", "data", "cardinality.json"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.bench_dir = os.path.abspath(args.bench_dir)
    if not os.access(args.ember_bin, os.X_OK):
        raise SystemExit("ember binary not executable: %s (use --ember-bin)" % args.ember_bin)
    H = load_harness(args.bench_dir)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if args.with_1m:
        sizes.append(1000000)
    points = [{"name": "steady-%d" % n, "kind": "steady", "series": n} for n in sizes]
    if args.churn_series:
        points.append({"name": "churn-%d" % args.churn_series, "kind": "churn", "series": args.churn_series,
                       "churn_share": args.churn_share})

    def on_sig(signum, frame):
        H.cleanup()
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)
    result = {"benchmark": "cardinality", "argv": sys.argv, "nproc": os.cpu_count(),
              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "points": []}
    try:
        for p in points:
            wd = tempfile.mkdtemp(prefix="bench-card-%s-" % p["name"], dir=args.tmp)
            try:
                result["points"].append(run_point(H, args, p, wd))
            finally:
                H.cleanup()
                H.STARTED.clear()
                if not args.keep:
                    shutil.rmtree(wd, ignore_errors=True)
    finally:
        H.cleanup()
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    H.log("wrote", args.out)


if __name__ == "__main__":
    main()
