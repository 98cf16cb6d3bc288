#!/usr/bin/env python3
"""Head compaction benchmark: what cutting a 2 h block out of the head costs Ember and
Prometheus — CPU, time and the memory it needs on top of the head.

For each server, one at a time (the other idle processes stopped):
1. A fresh server with the remote write receiver gets --series series at --step
   seconds for --hours hours (3 by default: exactly 1.5 block ranges, so not yet
   compactable), written in time order through /api/v1/write, starting at a 2 h
   boundary so that the block cut holds exactly 2 h of every series.
2. When its CPU has been quiet for --quiet seconds: peak RSS is reset
   (/proc/PID/clear_refs 5), RSS and every thread's CPU (schedstat) are read.
3. One more sample for one series makes the head span more than 1.5 block
   ranges: each server's appender commit wakes its compactor at once (Ember and
   Prometheus alike). Measured until the block directory is complete (wall
   time) and until the CPU is quiet again (CPU seconds, including the head
   truncation, WAL checkpoint and memory given back that follow): CPU seconds,
   peak RSS (VmHWM) and its rise over the RSS before, RSS after, and the block
   (series, samples, bytes per sample).

VictoriaMetrics has no head or blocks to compare (it merges parts continuously).

    python3 Benchmarks/compaction.py --ember-bin .build/release/ember \\
        --out docs/benchmarks/data/compaction.json

Loopback only; every wait is bounded and every server is stopped.
"""
import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cardinality import RuntimeMeter, add_comparison_args, load_harness, run_and_write  # noqa: E402
from restart import http, series_labels, snappy_literal, write_request  # noqa: E402
from retention import blocks_breakdown  # noqa: E402

BLOCK_MS = 2 * 3600 * 1000


def remote_write(base, body):
    """POSTs one WriteRequest (restart.py's encoding and request); raises unless it is accepted."""
    status, text = http(base + "/api/v1/write", snappy_literal(body), timeout=300)
    if status // 100 != 2:
        raise RuntimeError("remote write to %s answered %d: %s" % (base, status, text[:200]))


def wait_quiet(meter, seconds, limit, share=0.03, poll=0.5):
    """Waits until the process tree used under `share` of one core for `seconds` in a row (at most
    `limit` seconds). Returns the wall time when that quiet stretch began, or None on timeout."""
    began = time.time()
    window = []  # (time, cpu seconds so far)
    while time.time() - began < limit:
        meter.sample()
        now = time.time()
        window.append((now, meter.seconds()))
        while len(window) > 2 and now - window[1][0] >= seconds:
            window.pop(0)
        t0, c0 = window[0]
        if now - t0 >= seconds and (window[-1][1] - c0) < share * (now - t0):
            return t0
        time.sleep(poll)
    return None


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux >= 4.0); False when the kernel refuses."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def completed_blocks(data):
    return sorted(e for e in os.listdir(data)
                  if os.path.isfile(os.path.join(data, e, "meta.json")) and not e.endswith(".tmp"))


def server_cmd(args, name, data, port, cfg):
    common = ["--config.file=" + cfg, "--storage.tsdb.path=" + data, "--web.listen-address=127.0.0.1:%d" % port,
              "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=30d"]
    return [args.ember_bin if name == "ember" else args.prometheus_bin] + common


def run_system(H, args, name, port, wd, cfg, start_ms):
    step_ms = args.step * 1000
    samples = int(args.hours * 3600 / args.step)
    data = os.path.join(wd, name + "-data")
    s = H.System(name, server_cmd(args, name, data, port, cfg), port, data, wd, "/-/ready", [])
    s.start()
    r = {"ready_s": H.wait_ready(s.base + "/-/ready", 120, s.proc)}
    labels = [series_labels(i, args.series) for i in range(args.series)]
    meter = RuntimeMeter(H, s.proc.pid)
    began = time.time()
    for first in range(0, samples, args.samples_per_request):
        count = min(args.samples_per_request, samples - first)
        for lo in range(0, args.series, args.series_per_request):
            remote_write(s.base, write_request(labels[lo:lo + args.series_per_request], lo, first, count,
                                                  start_ms, step_ms))
        meter.sample()
    r["write_s"] = time.time() - began
    r["write_cpu_s"] = meter.seconds()
    r["samples_written"] = args.series * samples
    H.log("%s: %d samples written in %.0fs (%.1f CPU s)" % (name, r["samples_written"], r["write_s"], r["write_cpu_s"]))
    if completed_blocks(data):
        raise RuntimeError("%s cut a block before the trigger: the head should span exactly 1.5 ranges" % name)
    meter = RuntimeMeter(H, s.proc.pid)
    if wait_quiet(meter, args.quiet, 300) is None:
        raise RuntimeError("%s did not go quiet within 300s after the writes" % name)
    pid = s.proc.pid
    # The idle rate, subtracted below: the quiet wait after the block counts a few idle seconds.
    meter = RuntimeMeter(H, pid)
    time.sleep(args.quiet)
    meter.sample()
    r["idle_cpu_per_s"] = meter.seconds() / args.quiet
    r["peak_reset"] = reset_peak(pid)
    r["rss_before_mib"] = H.read_status_kb(pid, "VmRSS") / 1024
    r["rss_before_anon_file_mib"] = [H.read_status_kb(pid, k) / 1024 for k in ("RssAnon", "RssFile")]
    meter = RuntimeMeter(H, pid)
    trigger = time.time()
    # One sample two steps after the last one, for one series: the head now spans 1.5 ranges + 1 step.
    remote_write(s.base, write_request(labels[:1], 0, samples + 1, 1, start_ms, step_ms))
    block_at = None
    # RSS split into anonymous memory and mapped file pages (page cache the kernel can take back),
    # sampled every 50 ms while the block is written: what the peak is made of.
    peak_split = [0.0, 0.0]
    while time.time() - trigger < args.timeout:
        meter.sample()
        for i, key in enumerate(("RssAnon", "RssFile")):
            peak_split[i] = max(peak_split[i], H.read_status_kb(pid, key) / 1024)
        if completed_blocks(data):
            block_at = time.time()
            break
        time.sleep(0.05)
    if block_at is None:
        raise RuntimeError("%s wrote no block within %ds of the trigger" % (name, args.timeout))
    r["block_written_s"] = block_at - trigger
    r["sampled_peak_anon_file_mib"] = peak_split
    quiet_at = wait_quiet(meter, args.quiet, args.timeout)
    if quiet_at is None:
        raise RuntimeError("%s did not go quiet within %ds after its block" % (name, args.timeout))
    r["settled_s"] = max(quiet_at, block_at) - trigger
    r["cpu_s_raw"] = meter.seconds()
    r["cpu_s"] = max(0.0, r["cpu_s_raw"] - r["idle_cpu_per_s"] * (time.time() - trigger))
    r["peak_rss_mib"] = H.read_status_kb(pid, "VmHWM") / 1024
    r["rss_after_mib"] = H.read_status_kb(pid, "VmRSS") / 1024
    r["rss_after_anon_file_mib"] = [H.read_status_kb(pid, k) / 1024 for k in ("RssAnon", "RssFile")]
    r["peak_rise_mib"] = r["peak_rss_mib"] - r["rss_before_mib"]
    blocks = completed_blocks(data)
    meta = json.load(open(os.path.join(data, blocks[0], "meta.json")))
    bd = blocks_breakdown(data)
    r["block"] = {"count": len(blocks), "minTime": meta["minTime"], "maxTime": meta["maxTime"],
                  "series": meta["stats"]["numSeries"], "samples": meta["stats"]["numSamples"],
                  "bytes": bd["total"], "index_bytes": bd["index"], "chunks_bytes": bd["chunks"]}
    expected = args.series * int(2 * 3600 / args.step)
    r["block"]["complete"] = (meta["minTime"] == start_ms and meta["maxTime"] == start_ms + BLOCK_MS
                              and meta["stats"]["numSamples"] == expected)
    H.log("%s: block in %.2fs, quiet after %.2fs, %.2f CPU s, RSS %.0f -> peak %.0f -> %.0f MiB, block %s" % (
        name, r["block_written_s"], r["settled_s"], r["cpu_s"], r["rss_before_mib"], r["peak_rss_mib"],
        r["rss_after_mib"], r["block"]))
    s.stop()
    H.STARTED.clear()
    shutil.rmtree(data, ignore_errors=True)
    return r


def run(H, args, wd):
    cfg = os.path.join(wd, "empty.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1h\nscrape_configs: []\n")
    # A 2 h boundary old enough that the whole span (and the trigger) lies in the past.
    start_ms = (int(time.time() * 1000) - int(args.hours * 3600 * 1000) - BLOCK_MS) // BLOCK_MS * BLOCK_MS
    res = {"config": vars(args).copy(), "start_ms": start_ms, "systems": {}}
    ports = {"ember": args.port_base + 92, "prometheus": args.port_base + 90}
    for name in args.systems.split(","):
        res["systems"][name] = run_system(H, args, name, ports[name], wd, cfg, start_ms)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_comparison_args(ap, prometheus_bin=True)
    ap.add_argument("--series", type=int, default=100_000)
    ap.add_argument("--hours", type=float, default=3.0, help="head span written before the trigger (1.5 block ranges)")
    ap.add_argument("--step", type=int, default=15, help="seconds between samples")
    ap.add_argument("--series-per-request", type=int, default=2000)
    ap.add_argument("--samples-per-request", type=int, default=40, help="samples per series in one request")
    ap.add_argument("--quiet", type=float, default=3.0, help="seconds under 3%% of a core that count as idle")
    ap.add_argument("--timeout", type=int, default=600, help="seconds to wait for the block and for quiet")
    ap.add_argument("--systems", default="ember,prometheus", help="which servers, in this order")
    ap.add_argument("--port-base", type=int, default=19700)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "docs", "benchmarks", "data", "compaction.json"))
    args = ap.parse_args()
    args.ember_bin = os.path.abspath(args.ember_bin)
    H = load_harness(args.bench_dir)
    run_and_write(H, args, "compaction", run)


if __name__ == "__main__":
    main()
