#!/usr/bin/env python3
"""Retention benchmark: Ember vs Prometheus (and VictoriaMetrics where it applies).

1. Backfill: synth_exporter.py --dump writes --days of data for --series series
   at --step seconds, ending --end-offset seconds before now; then
   `ember tsdb create-blocks-from openmetrics FILE DIR` and
   `promtool tsdb create-blocks-from openmetrics FILE DIR` build blocks
   (timed). Disk bytes per sample: index and chunks separately.
   VictoriaMetrics gets the same samples through /api/v1/import/prometheus.
2. Full data: each server starts on a copy of its blocks (ready time), answers
   query_range over 1 h, 1 d and 7 d ending at the last sample, and is
   restarted once (restart time).
3. Size retention: each server (Ember, Prometheus; VM has no size limit)
   starts on its blocks with --storage.tsdb.retention.size = --limit-share of
   the block bytes; the data dir is sampled every second for --observe
   seconds: disk use over time vs the limit, the time until blocks fit the
   limit, and the worst excess over the limit compared with the largest block.

    python3 Benchmarks/retention.py --ember-bin .build/release/ember \\
        --out docs/benchmarks/data/retention.json
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cardinality import add_comparison_args, load_harness, run_and_write  # noqa: E402

QUERIES = [("rate_sum", 'sum(rate(http_requests_total[5m]))'),
           ("p95_histogram", 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
           ("avg_by_provider", 'avg by (provider) (provider_response_time_seconds)')]
RANGES = [("1h", 3600, 15), ("1d", 86400, 120), ("7d", 7 * 86400, 900)]


def blocks_breakdown(path):
    """Per-block and total bytes of index, chunks and the rest under a TSDB dir."""
    tot = {"index": 0, "chunks": 0, "other": 0, "blocks": 0, "samples": 0, "largest_block": 0}
    for e in sorted(os.listdir(path)):
        bdir = os.path.join(path, e)
        meta = os.path.join(bdir, "meta.json")
        if not os.path.isfile(meta):
            continue
        tot["blocks"] += 1
        size = 0
        for root, _, files in os.walk(bdir):
            for f in files:
                b = os.path.getsize(os.path.join(root, f))
                size += b
                key = "index" if f == "index" else ("chunks" if os.path.basename(root) == "chunks" else "other")
                tot[key] += b
        tot["largest_block"] = max(tot["largest_block"], size)
        try:
            tot["samples"] += json.load(open(meta))["stats"]["numSamples"]
        except Exception:
            pass
    tot["total"] = tot["index"] + tot["chunks"] + tot["other"]
    return tot


def dir_bytes(path):
    n = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                n += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return n


def timed(cmd, log):
    t0 = time.time()
    with open(log, "wb") as lf:
        rc = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, timeout=3600).returncode
    if rc != 0:
        raise RuntimeError("%s failed (rc=%d), see %s" % (cmd[0], rc, log))
    return time.time() - t0


def query_latencies(H, base, t_end, reps):
    out = {}
    for rn, span, step in RANGES:
        for qn, q in QUERIES:
            url = base + "/api/v1/query_range?" + urllib.parse.urlencode(
                {"query": q, "start": t_end - span, "end": t_end, "step": step, "nocache": "1"})
            xs, err, pts = [], None, None
            for _ in range(reps):
                try:
                    t0 = time.perf_counter()
                    _, body = H.http_get(url, timeout=300)
                    xs.append((time.perf_counter() - t0) * 1000)
                    res = json.loads(body).get("data", {}).get("result", [])
                    pts = sum(len(r.get("values", [])) for r in res)
                except Exception as e:
                    err = str(e)[:200]
            s = H.summarize(xs) or {}
            s.update({"points": pts, "error": err})
            out["%s_%s" % (qn, rn)] = s
    return out


def server_cmd(args, name, data, port, cfg, extra):
    if name == "ember":
        return [args.ember_bin, "--config.file=" + cfg, "--storage.tsdb.path=" + data,
                "--web.listen-address=127.0.0.1:%d" % port] + extra
    return [args.prometheus_bin, "--config.file=" + cfg, "--storage.tsdb.path=" + data,
            "--web.listen-address=127.0.0.1:%d" % port] + extra


def start(H, args, name, data, port, cfg, wd, extra, tag):
    s = H.System(name + "-" + tag, server_cmd(args, name, data, port, cfg, extra), port, data, wd, "/-/ready", [])
    s.start()
    s.res["ready_s"] = H.wait_ready(s.base + "/-/ready", 600, s.proc)
    return s


def run(H, args, wd):
    res = {"config": vars(args).copy()}
    t_last = (int(time.time()) - args.end_offset) // args.step * args.step
    n = args.days * 86400 // args.step
    t_first = t_last - (n - 1) * args.step
    res["config"].update({"t_first": t_first, "t_last": t_last, "samples_per_series": n})
    om = os.path.join(wd, "data.om")
    dump = [sys.executable, os.path.join(args.bench_dir, "synth_exporter.py"), "--series", str(args.series),
            "--seed", "1", "--start", str(t_first), "--samples", str(n), "--step", str(args.step),
            "--extra-labels", 'job="synth",instance="bench"']
    res["dump_s"] = timed(dump + ["--dump", "openmetrics", "--out", om], os.path.join(wd, "dump.log"))
    res["openmetrics_bytes"] = os.path.getsize(om)
    H.log("dumped %d bytes of OpenMetrics in %.0fs" % (res["openmetrics_bytes"], res["dump_s"]))
    cfg = os.path.join(wd, "empty.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    sysres = {}
    tools = {"ember": [args.ember_bin, "tsdb", "create-blocks-from", "openmetrics", om],
             "prometheus": [args.promtool_bin, "tsdb", "create-blocks-from", "openmetrics", "-q", om]}
    ports = {"ember": args.port_base + 82, "prometheus": args.port_base + 80}
    for name, tool in tools.items():
        r = sysres[name] = {}
        blocks = os.path.join(wd, name + "-blocks")
        r["backfill_cmd"] = " ".join(tool + [blocks])
        r["backfill_s"] = timed(tool + [blocks], os.path.join(wd, name + "-backfill.log"))
        bd = r["blocks"] = blocks_breakdown(blocks)
        if bd["samples"]:
            for k in ("index", "chunks", "total"):
                r[k + "_bytes_per_sample"] = bd[k] / bd["samples"]
        H.log("%s backfill %.0fs: %s" % (name, r["backfill_s"], bd))
        # full data: ready, queries, restart
        full = os.path.join(wd, name + "-full")
        shutil.copytree(blocks, full)
        s = start(H, args, name, full, ports[name], cfg, wd, ["--storage.tsdb.retention.time=3650d"], "full")
        r["first_start_ready_s"] = s.res["ready_s"]
        r["query_latency_ms"] = query_latencies(H, s.base, t_last, args.reps)
        s.stop()
        s = start(H, args, name, full, ports[name], cfg, wd, ["--storage.tsdb.retention.time=3650d"], "restart")
        r["restart_ready_s"] = s.res["ready_s"]
        r["full_dir_after_restart"] = dir_bytes(full)
        s.stop()
        shutil.rmtree(full, ignore_errors=True)
        # size retention over time
        lim_dir = os.path.join(wd, name + "-limited")
        shutil.copytree(blocks, lim_dir)
        limit = int(bd["total"] * args.limit_share)
        r["retention_size_limit_bytes"] = limit
        extra = ["--storage.tsdb.retention.size=%dB" % limit, "--storage.tsdb.retention.time=3650d"]
        if name == "ember":
            extra.append("--storage.tsdb.max-block-duration=%s" % args.max_block_duration)
        t0 = time.time()
        s = H.System(name + "-limited", server_cmd(args, name, lim_dir, ports[name], cfg, extra),
                     ports[name], lim_dir, wd, "/-/ready", [])
        s.start()
        timeline, fit_s = [], None
        while time.time() - t0 < args.observe:
            if s.proc.poll() is not None:
                raise RuntimeError("%s exited early (rc=%s), see %s/%s.log" % (name, s.proc.returncode, wd, s.name))
            bb = blocks_breakdown(lim_dir)
            timeline.append((round(time.time() - t0, 1), bb["total"], dir_bytes(lim_dir)))
            if fit_s is None and bb["total"] <= limit:
                fit_s = time.time() - t0
            time.sleep(1)
        s.stop()
        r["retention_timeline"] = timeline  # (seconds since start, block bytes, whole dir bytes)
        r["retention_fit_s"] = fit_s
        r["retention_max_excess_bytes"] = max(0, max(b for _, b, _ in timeline[-5:]) - limit) if timeline else None
        r["retention_excess_within_one_block"] = (r["retention_max_excess_bytes"] is not None
                                                  and r["retention_max_excess_bytes"] <= bd["largest_block"])
        r["blocks_after_retention"] = blocks_breakdown(lim_dir)
        shutil.rmtree(lim_dir, ignore_errors=True)
        H.STARTED.clear()
    if not args.no_vm:
        sysres["victoriametrics"] = run_vm(H, args, wd, dump, t_last)
    os.remove(om)
    res["systems"] = sysres
    return res


def run_vm(H, args, wd, dump, t_last):
    """VM: same samples via /api/v1/import/prometheus; disk after flush+merge; query latency."""
    r = {}
    imp = os.path.join(wd, "data.vmimport")
    timed(dump + ["--dump", "vmimport", "--out", imp], os.path.join(wd, "dump-vm.log"))
    data = os.path.join(wd, "vm-data")
    port = args.port_base + 81
    s = H.System("victoriametrics", [args.vm_bin, "-storageDataPath=" + data, "-retentionPeriod=100y",
                                     "-httpListenAddr=127.0.0.1:%d" % port, "-search.latencyOffset=0s"],
                 port, data, wd, "/health", [])
    s.start()
    r["first_start_ready_s"] = H.wait_ready(s.base + "/health", 120, s.proc)
    t0 = time.time()
    with open(imp, "rb") as f:
        while True:
            chunk = f.read(16 << 20)
            if not chunk:
                break
            rest = f.readline()
            req = urllib.request.Request(s.base + "/api/v1/import/prometheus", data=chunk + rest, method="POST")
            with urllib.request.urlopen(req, timeout=600) as resp:
                resp.read()
    H.http_get(s.base + "/internal/force_flush", 120)
    r["backfill_s"] = time.time() - t0
    r["backfill_cmd"] = "POST %s to /api/v1/import/prometheus" % os.path.basename(imp)
    H.http_get(s.base + "/internal/force_merge", 600)
    time.sleep(args.vm_merge_wait)
    r["data_dir_bytes"] = dir_bytes(data)
    r["query_latency_ms"] = query_latencies(H, s.base, t_last, args.reps)
    s.stop()
    s = H.System("victoriametrics-restart", s.cmd, port, data, wd, "/health", [])
    s.start()
    r["restart_ready_s"] = H.wait_ready(s.base + "/health", 300, s.proc)
    s.stop()
    r["retention_size"] = "not supported (VictoriaMetrics has -retentionPeriod only)"
    os.remove(imp)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_comparison_args(ap, prometheus_bin=True)
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--step", type=int, default=60, help="seconds between samples")
    ap.add_argument("--end-offset", type=int, default=3 * 3600, help="last sample this many seconds before now")
    ap.add_argument("--limit-share", type=float, default=0.5, help="retention.size as a share of the block bytes")
    ap.add_argument("--max-block-duration", default="1d", help="Ember --storage.tsdb.max-block-duration")
    ap.add_argument("--observe", type=int, default=60, help="seconds to watch disk use under the size limit")
    ap.add_argument("--vm-merge-wait", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--port-base", type=int, default=19700)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "docs", "benchmarks", "data", "retention.json"))
    args = ap.parse_args()
    args.bench_dir = os.path.abspath(args.bench_dir)
    if not os.access(args.ember_bin, os.X_OK):
        raise SystemExit("ember binary not executable: %s (use --ember-bin)" % args.ember_bin)
    H = load_harness(args.bench_dir)

    run_and_write(H, args, "retention", run)


if __name__ == "__main__":
    main()
