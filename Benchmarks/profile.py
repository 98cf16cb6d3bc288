#!/usr/bin/env python3
"""Where Ember's time goes: CPU profiles (perf) of steady ingest and of dashboard
panels, so the report can show why a goal is missed, not only that it is.

1. Ingest: Ember scrapes --targets synthetic targets (the shared harness's
   synth_exporter.py) with --series series in all, every --interval seconds.
   After --warmup seconds, `perf record` samples Ember for --seconds; the
   report keeps the hottest functions by self time (demangled), and the CPU
   seconds per million samples in that window.
2. Queries: with the same data loaded, `perf record` samples Ember while it
   answers the dashboard panels (query_range over the last 10 minutes at a
   15 s step) --reps times each.

    python3 Benchmarks/profile.py --ember-bin .build/release/ember \\
        --out docs/benchmarks/data/profile.json

Needs `perf` (Debian: linux-perf) and permission to profile the process (root,
or kernel.perf_event_paranoid <= 1). Loopback only; every process it starts is
stopped, every wait bounded.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cardinality import default_bench_dir  # noqa: E402
from restart import wait_ready  # noqa: E402

PANELS = [
    ("rate_sum_by_status", 'sum by (status_code) (rate(http_requests_total[5m]))'),
    ("error_ratio", 'sum(rate(http_requests_total{status_code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'),
    ("p95_histogram", 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
    ("topk_tokens", 'topk(5, sum by (model) (rate(tokens_used_total[5m])))'),
    ("avg_by_provider", 'avg by (provider) (provider_response_time_seconds)'),
]
LINE = re.compile(r"^\s*([0-9.]+)%\s+\[[.k]\]\s+(.*?)\s*$")


def symbol_of(match):
    # perf pads the symbol column and may append empty columns ("-  -"): keep the name only.
    return re.split(r"\s{2,}", match.group(2).strip())[0]


def get(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def demangle(names):
    tool = shutil.which("swift-demangle") or "/opt/swift/usr/bin/swift-demangle"
    if not os.path.exists(tool):
        return names
    try:
        out = subprocess.run([tool, "--simplified", "--compact"], input="\n".join(names), capture_output=True,
                             text=True, timeout=60).stdout.splitlines()
        return out if len(out) == len(names) else names
    except Exception:
        return names


def shorten(name, limit=110):
    # Generic specialisation suffixes and argument lists make names unreadable in a table.
    name = re.sub(r" with unmangled suffix .*$", "", name)
    name = re.sub(r"^(generic )?specialization <[^>]*> of ", "", name)
    return name if len(name) <= limit else name[:limit - 1] + "…"


def profile(pid, seconds, path, top):
    """perf record -F 999 on `pid` for `seconds`; the `top` hottest symbols by self time."""
    subprocess.run(["perf", "record", "-F", "999", "-p", str(pid), "-o", path, "--", "sleep", str(seconds)],
                   capture_output=True, timeout=seconds + 60, check=True)
    report = subprocess.run(["perf", "report", "-i", path, "--no-children", "--sort", "symbol", "--stdio"],
                            capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in report.splitlines():
        m = LINE.match(line)
        if m:
            rows.append((float(m.group(1)), symbol_of(m)))
    rows = rows[:top]
    names = demangle([n for _, n in rows])
    return [{"percent": p, "symbol": shorten(n)} for (p, _), n in zip(rows, names)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember-bin", required=True)
    ap.add_argument("--bench-dir", default=default_bench_dir())
    ap.add_argument("--series", type=int, default=100_000)
    ap.add_argument("--targets", type=int, default=4)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=40, help="seconds of ingest before the ingest profile")
    ap.add_argument("--seconds", type=int, default=60, help="length of the ingest profile")
    ap.add_argument("--reps", type=int, default=3, help="times each panel is asked during the query profile")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--port-base", type=int, default=19850)
    ap.add_argument("--tmp", default=tempfile.gettempdir())
    ap.add_argument("--out")
    args = ap.parse_args()
    if not shutil.which("perf"):
        raise SystemExit("profile.py: perf not found (apt-get install linux-perf)")
    workdir = tempfile.mkdtemp(prefix="ember-profile-", dir=args.tmp)
    procs = []
    try:
        per_target = args.series // args.targets
        ports = [args.port_base + 1 + i for i in range(args.targets)]
        for i, port in enumerate(ports):
            procs.append(subprocess.Popen([sys.executable, os.path.join(args.bench_dir, "synth_exporter.py"), "--host",
                                           "127.0.0.1", "--port", str(port), "--series", str(per_target), "--seed",
                                           str(i + 1)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        config = os.path.join(workdir, "ember.yml")
        with open(config, "w") as f:
            f.write("global: {scrape_interval: %ds, scrape_timeout: %ds}\nscrape_configs:\n  - job_name: synth\n"
                    "    static_configs:\n      - targets: [%s]\n" % (args.interval, args.interval,
                                                                     ", ".join("'127.0.0.1:%d'" % p for p in ports)))
        port = args.port_base
        ember = subprocess.Popen([args.ember_bin, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(workdir, "data"),
                                  "--web.listen-address=127.0.0.1:%d" % port], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(ember)
        wait_ready(port, ember, 120)
        print("profile: ingesting %d series for %ds before profiling" % (args.series, args.warmup), flush=True)
        time.sleep(args.warmup)
        before = cpu_seconds(ember.pid)
        ingest = profile(ember.pid, args.seconds, os.path.join(workdir, "ingest.perf"), args.top)
        cpu = cpu_seconds(ember.pid) - before
        samples = args.series * args.seconds / args.interval
        print("profile: ingest %.2f CPU s per 1M samples" % (cpu / samples * 1e6), flush=True)

        def ask_panels():
            end = time.time()
            for _ in range(args.reps):
                for _, expr in PANELS:
                    q = urllib.parse.urlencode({"query": expr, "start": "%.3f" % (end - 600), "end": "%.3f" % end, "step": "15"})
                    get("http://127.0.0.1:%d/api/v1/query_range?%s" % (port, q), timeout=120)

        started = time.monotonic()
        ask_panels()  # warm-up and timing, so the profile below is as long as the queries
        took = time.monotonic() - started
        recorder = subprocess.Popen(["perf", "record", "-F", "999", "-p", str(ember.pid), "-o",
                                     os.path.join(workdir, "query.perf")], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        ask_panels()
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)
        query_report = subprocess.run(["perf", "report", "-i", os.path.join(workdir, "query.perf"), "--no-children",
                                       "--sort", "symbol", "--stdio"], capture_output=True, text=True, timeout=300).stdout
        rows = [(float(m.group(1)), symbol_of(m)) for m in map(LINE.match, query_report.splitlines()) if m][:args.top]
        query = [{"percent": p, "symbol": shorten(n)} for (p, _), n in zip(rows, demangle([n for _, n in rows]))]
        result = {"series": args.series, "targets": args.targets, "interval": args.interval, "ember_bin": args.ember_bin,
                  "ingest": {"seconds": args.seconds, "cpu_s_per_1m_samples": round(cpu / samples * 1e6, 3), "top": ingest},
                  "query": {"panels": [name for name, _ in PANELS], "reps": args.reps, "seconds": round(took, 2),
                            "top": query}}
        if args.out:
            with open(args.out, "w") as f:
                json.dump(result, f, indent=2)
        print(json.dumps(result, indent=2))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except Exception:
                pass
        for p in procs:
            try:
                p.wait(timeout=30)
            except Exception:
                os.killpg(p.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
