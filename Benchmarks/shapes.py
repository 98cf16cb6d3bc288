#!/usr/bin/env python3
"""Bytes per sample on disk by data shape: Ember, Prometheus and VictoriaMetrics.

For every shape (constant; counter +0..10 per scrape; counter with a constant
per-series step; gauge random walk with 2 or 3 decimals; uniform random floats
in [0, 1) at full precision) this writes a deterministic input of --series
series x --samples samples --step seconds apart (fixed --seed, first sample on
a 2 h boundary so that each system writes exactly one 2 h block), then:

  Ember        `ember tsdb create-blocks-from openmetrics FILE DIR`
  Prometheus   `promtool tsdb create-blocks-from openmetrics FILE DIR`
               -> chunks/, index and whole-block bytes, each / meta.json numSamples
  VictoriaMetrics  a fresh instance on 127.0.0.1:(--port-base + 1) gets the same
               samples through /api/v1/import/prometheus (ms timestamps); after
               /internal/force_flush and /internal/force_merge, once the data dir
               stops changing, its growth over the empty dir / samples
               (data/ = the samples, indexdb/ = the index, total = both and the rest)

Every process started is stopped; every wait is bounded.

    python3 Benchmarks/shapes.py --ember-bin .build/release/ember \\
        --out docs/benchmarks/data/shapes.json
"""
import argparse
import json
import os
import random
import shutil
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cardinality import add_comparison_args, load_harness, run_and_write  # noqa: E402
from retention import blocks_breakdown, dir_bytes, timed  # noqa: E402

BLOCK_MS = 2 * 3600 * 1000


class Constant:
    """The same value on every scrape (`up`, build info, configuration gauges)."""
    label = "constant"

    def __init__(self, rng, i):
        self.v = float(rng.randint(0, 1000))

    def next(self, rng, k):
        return self.v


class Counter:
    """A counter that grows by a small random integer (0..10) per scrape."""
    label = "counter"

    def __init__(self, rng, i):
        self.v = rng.randint(0, 1000000)

    def next(self, rng, k):
        if k:
            self.v += rng.randint(0, 10)
        return self.v


class CounterStep:
    """A counter that grows by the same per-series integer step (1..100) every scrape."""
    label = "counter step"

    def __init__(self, rng, i):
        self.v0, self.step = rng.randint(0, 1000000), rng.randint(1, 100)

    def next(self, rng, k):
        return self.v0 + k * self.step


class Gauge:
    """A random walk rounded to 2 decimals (even series) or 3 decimals (odd series)."""
    label = "gauge 2-3 dec"

    def __init__(self, rng, i):
        self.decimals = 2 if i % 2 == 0 else 3
        self.v = round(rng.uniform(0, 100), self.decimals)

    def next(self, rng, k):
        if k:
            self.v = round(self.v + rng.gauss(0, 0.5), self.decimals)
        return self.v


class RandomFloat:
    """Uniform random doubles in [0, 1) written with all 17 significant digits: the worst case for XOR."""
    label = "random float"

    def __init__(self, rng, i):
        pass

    def next(self, rng, k):
        return rng.random()


SHAPES = {"constant": Constant, "counter": Counter, "counter_step": CounterStep,
          "gauge_decimals": Gauge, "random_float": RandomFloat}


def fmt_value(v):
    """Shortest text that parses back to the same double (integers without a fraction)."""
    return str(v) if isinstance(v, int) else repr(v)


def generate(shape, series, samples, step, t_first, seed, om_path, vm_path):
    """Writes the shape as OpenMetrics (second timestamps, for the backfill tools) and as
    exposition lines with ms timestamps (for VictoriaMetrics' import); scrape-major order.
    Same arguments give byte-identical files."""
    cls = SHAPES[shape]
    rng = random.Random("%s/%d" % (shape, seed))
    gens = [cls(rng, i) for i in range(series)]
    names = ['shape_%s{job="shapes",instance="bench",series="%d"} ' % (shape, i) for i in range(series)]
    with open(om_path, "w") as om, open(vm_path, "w") as vm:
        for k in range(samples):
            t_ms = (t_first + k * step) * 1000
            om_suf, vm_suf = " %d.000\n" % (t_ms // 1000), " %d\n" % t_ms
            vals = [fmt_value(g.next(rng, k)) for g in gens]
            om.write("".join(n + v + om_suf for n, v in zip(names, vals)))
            vm.write("".join(n + v + vm_suf for n, v in zip(names, vals)))
        om.write("# EOF\n")


def backfill(tool, om, blocks, log, expected):
    """Runs one backfill tool; returns the block bytes split by part and per sample."""
    r = {"backfill_cmd": " ".join(tool + [om, blocks])}
    r["backfill_s"] = timed(tool + [om, blocks], log)
    bd = blocks_breakdown(blocks)
    r.update({k + "_bytes": bd[k] for k in ("index", "chunks", "other", "total")})
    r.update({"blocks": bd["blocks"], "samples": bd["samples"], "num_chunks": num_chunks(blocks)})
    if bd["samples"] != expected:
        raise RuntimeError("%s stored %d samples, expected %d (see %s)" % (tool[0], bd["samples"], expected, log))
    for k in ("index", "chunks", "total"):
        r[k + "_bytes_per_sample"] = bd[k] / bd["samples"]
    return r


def num_chunks(path):
    n = 0
    for e in os.listdir(path):
        meta = os.path.join(path, e, "meta.json")
        if os.path.isfile(meta):
            with open(meta) as f:
                n += json.load(f)["stats"].get("numChunks", 0)
    return n


def vm_sizes(data):
    return {"total": dir_bytes(data), "data": dir_bytes(os.path.join(data, "data")),
            "indexdb": dir_bytes(os.path.join(data, "indexdb"))}


def wait_stable(data, settle, limit):
    """Polls the dir size every second until it is unchanged for `settle` polls; at most `limit` s."""
    t0, last, same = time.time(), None, 0
    while time.time() - t0 < limit:
        cur = dir_bytes(data)
        same = same + 1 if cur == last else 0
        last = cur
        if same >= settle:
            return time.time() - t0
        time.sleep(1)
    return None


def run_vm(H, args, shape, imp, wd, expected, t_last):
    """A fresh VictoriaMetrics per shape: growth of its data dir after import, flush and merge."""
    data = os.path.join(wd, "vm-" + shape)
    port = args.port_base + 1
    if not H.port_free(port):
        raise RuntimeError("port %d busy; choose another --port-base" % port)
    s = H.System("victoriametrics-" + shape, [args.vm_bin, "-storageDataPath=" + data, "-retentionPeriod=100y",
                                             "-httpListenAddr=127.0.0.1:%d" % port, "-search.latencyOffset=0s"],
                 port, data, wd, "/health", [])
    s.start()
    try:
        H.wait_ready(s.base + "/health", 120, s.proc)
        wait_stable(data, 3, 30)
        empty = vm_sizes(data)
        t0 = time.time()
        with open(imp, "rb") as f:
            while True:
                chunk = f.read(16 << 20)
                if not chunk:
                    break
                req = urllib.request.Request(s.base + "/api/v1/import/prometheus", data=chunk + f.readline(),
                                             method="POST")
                with urllib.request.urlopen(req, timeout=600) as resp:
                    resp.read()
        H.http_get(s.base + "/internal/force_flush", 120)
        r = {"backfill_s": time.time() - t0, "backfill_cmd": "POST to /api/v1/import/prometheus (ms timestamps)"}
        H.http_get(s.base + "/internal/force_merge", 600)
        r["merge_settled_s"] = wait_stable(data, args.vm_settle, args.vm_merge_limit)
        after = vm_sizes(data)
        q = urllib.parse.urlencode({"query": "sum(count_over_time(shape_%s[%ds]))" % (shape, args.samples * args.step + 60),
                                    "time": str(t_last), "nocache": "1"})
        _, body = H.http_get(s.base + "/api/v1/query?" + q, 120)
        res = json.loads(body)["data"]["result"]
        r["samples_counted"] = int(float(res[0]["value"][1])) if res else 0
    finally:
        s.stop()
    if r["samples_counted"] != expected:
        raise RuntimeError("VictoriaMetrics counts %d samples of %s, expected %d" % (r["samples_counted"], shape, expected))
    r["samples"] = expected
    r["empty_dir_bytes"] = empty
    r["dir_bytes"] = after
    for k, name in (("data", "chunks"), ("indexdb", "index"), ("total", "total")):
        r[name + "_bytes"] = after[k] - empty[k]
        r[name + "_bytes_per_sample"] = r[name + "_bytes"] / expected
    shutil.rmtree(data, ignore_errors=True)
    return r


def parse_shapes(text):
    """The --shapes list, in order; an unknown or missing name exits with the known ones."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise SystemExit("--shapes: no shape given (known: %s)" % ", ".join(SHAPES))
    for name in names:
        if name not in SHAPES:
            raise SystemExit("--shapes: unknown shape %r (known: %s)" % (name, ", ".join(SHAPES)))
    return names


def run(H, args, wd):
    t_first = (int(time.time()) - args.end_offset) // (BLOCK_MS // 1000) * (BLOCK_MS // 1000)
    t_last = t_first + (args.samples - 1) * args.step
    if (args.samples - 1) * args.step * 1000 >= BLOCK_MS:
        raise SystemExit("--samples x --step must fit in one 2h block (got %d s)" % (args.samples * args.step))
    expected = args.series * args.samples
    res = {"config": vars(args).copy(), "shapes": []}
    res["config"].update({"t_first": t_first, "t_last": t_last, "samples_per_shape": expected})
    for shape in parse_shapes(args.shapes):
        om, imp = os.path.join(wd, shape + ".om"), os.path.join(wd, shape + ".vmimport")
        t0 = time.time()
        generate(shape, args.series, args.samples, args.step, t_first, args.seed, om, imp)
        entry = {"name": shape, "label": SHAPES[shape].label, "description": SHAPES[shape].__doc__,
                 "samples": expected, "openmetrics_bytes": os.path.getsize(om), "generate_s": time.time() - t0,
                 "systems": {}}
        tools = {"ember": [args.ember_bin, "tsdb", "create-blocks-from", "openmetrics"],
                 "prometheus": [args.promtool_bin, "tsdb", "create-blocks-from", "openmetrics", "-q"]}
        for name, tool in tools.items():
            blocks = os.path.join(wd, "%s-%s" % (name, shape))
            entry["systems"][name] = backfill(tool, om, blocks, os.path.join(wd, "%s-%s.log" % (name, shape)), expected)
            shutil.rmtree(blocks, ignore_errors=True)
        if not args.no_vm:
            entry["systems"]["victoriametrics"] = run_vm(H, args, shape, imp, wd, expected, t_last)
        H.log("%s: %s" % (shape, ", ".join("%s %.3f B/sample (chunks %.3f)" % (
            n, r["total_bytes_per_sample"], r["chunks_bytes_per_sample"]) for n, r in entry["systems"].items())))
        res["shapes"].append(entry)
        os.remove(om)
        os.remove(imp)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_comparison_args(ap)
    ap.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, from: " + ", ".join(SHAPES))
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=480, help="samples per series (default 2 h at 15 s)")
    ap.add_argument("--step", type=int, default=15, help="seconds between samples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end-offset", type=int, default=6 * 3600, help="the data's 2 h window starts before now - this")
    ap.add_argument("--vm-settle", type=int, default=5, help="seconds VM's data dir must stay unchanged after merge")
    ap.add_argument("--vm-merge-limit", type=int, default=120, help="longest wait for VM's merge to settle (s)")
    ap.add_argument("--port-base", type=int, default=19900)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "docs", "benchmarks", "data", "shapes.json"))
    args = ap.parse_args()
    args.bench_dir = os.path.abspath(args.bench_dir)
    parse_shapes(args.shapes)
    if not os.access(args.ember_bin, os.X_OK):
        raise SystemExit("ember binary not executable: %s (use --ember-bin)" % args.ember_bin)
    if args.series <= 0 or args.samples <= 0 or args.step <= 0:
        raise SystemExit("--series, --samples and --step must be positive")
    H = load_harness(args.bench_dir)

    run_and_write(H, args, "shapes", run)


if __name__ == "__main__":
    main()
