#!/usr/bin/env python3
"""Regenerates docs/BENCHMARKS.md and docs/benchmarks/plots/*.svg from the raw
results in docs/benchmarks/data/ (cardinality.json, retention.json, shapes.json, restart.json,
compaction.json, profile.json, run.json).

    python3 Benchmarks/report.py [--data DIR] [--out FILE] [--plots DIR]

Missing inputs are reported as missing in the document, never invented.
"""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from svgplot import bar_chart, line_chart  # noqa: E402

SYSTEMS = ["ember", "prometheus", "victoriametrics"]
GOALS = {"rss": 0.4, "panel": 0.5}
# Explanations of missed goals that the data itself shows, printed under the goals table.
WHY = []


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def f(v, nd=1):
    if v is None:
        return "–"
    if isinstance(v, float) and abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return ("%." + str(nd) + "f") % v if isinstance(v, float) else str(v)


def ratio(a, b):
    return a / b if a is not None and b else None


def lat_med(r, key):
    x = (r.get("latency_ms") or {}).get(key) or {}
    return x.get("median")


def panel_median(r):
    xs = [v["median"] for k, v in (r.get("latency_ms") or {}).items() if k.startswith("panel_") and v.get("median")]
    return statistics.median(xs) if xs else None


def engine_median(r):
    """Median over the panels of the server's own execTotalTime (ms), where it reports one."""
    xs = [v["engine_ms"] for k, v in (r.get("latency_ms") or {}).items() if k.startswith("panel_") and v.get("engine_ms")]
    return statistics.median(xs) if xs else None


def machine_section(run):
    out = ["## Machine and run", ""]
    if not run:
        return out + ["run.json is missing: the machine was not recorded.", ""]
    m = run.get("machine", {})
    out += ["| item | value |", "|---|---|"]
    for k in ("date_utc", "nproc", "mem_total", "kernel", "os", "loadavg_start", "loadavg_end", "ember_bin", "ember_built_from",
              "ember_version", "prometheus_version", "vm_version", "mode"):
        if k in m or k in run:
            out.append("| %s | %s |" % (k, m.get(k, run.get(k))))
    out += ["", "Commands, exactly as run by `scripts/benchmarks`:", "", "```sh"] + run.get("commands", []) + ["```", ""]
    return out


def cardinality_section(card, plots, notes):
    out = ["## Cardinality", ""]
    if not card or not card.get("points"):
        return out + ["No cardinality results (docs/benchmarks/data/cardinality.json missing)."], []
    p0 = card["points"][0]["config"]
    out += ["All three servers scraped the same targets at the same time (interval %ss, %ss of ingest per point; "
            "1 target per 25k series). RSS *steady* is the median of 2-second samples over the second half of "
            "ingest; *peak* is VmHWM. CPU is the time on CPU of every thread of the process tree during ingest "
            "(per-thread `/proc/PID/task/TID/schedstat`, nanoseconds; older runs of this script used utime+stime, "
            "10 ms ticks) divided by the samples scraped (`scrape_samples_scraped`). Latencies are medians of %s requests over the last 5 minutes "
            "(step 15s for panels); `nocache=1` is sent to all." % (p0["interval_s"], p0["duration_s"],
                                                                   card.get("argv") and _arg(card["argv"], "--reps", "5")),
            ""]
    if card.get("started") and card.get("finished"):
        out += ["This section's run: %s to %s." % (card["started"], card["finished"]), ""]
    if not any(p["config"]["series"] >= 1000000 for p in card["points"]):
        out += ["This run left out the 1M-series point (`--without-1m`).", ""]
    out += ["| point | system | active series | RSS steady MiB | RSS peak MiB | RSS B/series (steady) | CPU s / 1M samples "
            "| scrape duration avg / max ms | WAL B/sample | labels ms | series ms (match 1 / 2) | panels ms (median of medians) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in card["points"]:
        c = p["config"]
        for n in SYSTEMS:
            r = p["systems"].get(n)
            if not r:
                continue
            sd = r.get("scrape_duration_avg_s"), r.get("scrape_duration_max_s")
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s / %s | %s |" % (
                c["name"] + (" (%.0f%% churn/interval, %s series seen)" % (c.get("churn_share", 0) * 100, f(r.get("series_seen_in_window"), 0))
                             if c["kind"] == "churn" else ""),
                n, f(r.get("active_series"), 0), f(r.get("rss_steady_mib")), f(r.get("rss_peak_hwm_mib")),
                f(r.get("rss_steady_bytes_per_series"), 0), f(r.get("cpu_s_per_1M_samples"), 2),
                f(sd[0] * 1000 if sd[0] is not None else None), f(sd[1] * 1000 if sd[1] is not None else None),
                f(r.get("wal_bytes_per_sample"), 2), f(lat_med(r, "labels")), f(lat_med(r, "series_0")),
                f(lat_med(r, "series_1")), f(panel_median(r))))
    # A server whose count query did not answer has no per-series figures; say so, and give them
    # against the configured series count instead of leaving a blank.
    for p in card["points"]:
        for n in SYSTEMS:
            r = p["systems"].get(n)
            if r and r.get("active_series") is None and r.get("rss_steady_mib"):
                out += ["", "At %s, %s did not answer `count({__name__=~\".+\"})` (%s); against the %s series configured "
                        "its steady RSS is %s B/series." % (
                            p["config"]["name"], n, r.get("active_series_error", "no answer")[:120],
                            f(p["config"]["series"], 0), f(r["rss_steady_mib"] * 1048576 / p["config"]["series"], 0))]
    out += ["", "Series matchers per point: synthetic %s; churn %s." % (
        " / ".join("`%s`" % m for m in _first(card, "steady", "series_match")) or "–",
        " / ".join("`%s`" % m for m in _first(card, "churn", "series_match")) or "–"), ""]
    # plots
    steady = [p for p in card["points"] if p["config"]["kind"] == "steady"]
    rss = {n: [(p["config"]["series"], p["systems"][n].get("rss_steady_mib")) for p in steady if n in p["systems"]]
           for n in SYSTEMS}
    plots["rss_vs_series.svg"] = line_chart("RSS (steady) vs active series", "active series (log)", "RSS MiB",
                                            {n: v for n, v in rss.items() if v}, logx=True)
    pan = {n: [(p["config"]["series"], panel_median(p["systems"][n])) for p in steady if n in p["systems"]] for n in SYSTEMS}
    plots["panel_latency_vs_series.svg"] = line_chart("Dashboard panel latency vs active series (median ms)",
                                                      "active series (log)", "ms", {n: v for n, v in pan.items() if v}, logx=True)
    lab = {n: [(p["config"]["series"], lat_med(p["systems"][n], "labels")) for p in steady if n in p["systems"]] for n in SYSTEMS}
    ser = {n + " series": [(p["config"]["series"], lat_med(p["systems"][n], "series_0")) for p in steady if n in p["systems"]]
           for n in SYSTEMS}
    lab = {n + " labels": v for n, v in lab.items()}
    plots["labels_series_latency_vs_series.svg"] = line_chart(
        "/api/v1/labels and /api/v1/series latency (median ms)", "active series (log)", "ms",
        {k: v for k, v in list(lab.items()) + list(ser.items()) if v}, logx=True)
    out += ["![RSS vs series](benchmarks/plots/rss_vs_series.svg)", "",
            "![panel latency vs series](benchmarks/plots/panel_latency_vs_series.svg)", "",
            "![labels and series latency](benchmarks/plots/labels_series_latency_vs_series.svg)", ""]
    # goals
    # The RSS goal is set at 100k series (issue 8's anchors); without that point, the largest.
    at_100k = [p for p in steady if p["config"]["series"] == 100000]
    big = at_100k[0] if at_100k else (max(steady, key=lambda p: p["config"]["series"]) if steady else None)
    if big:
        s = big["systems"]
        e, pr, vm = (s.get(n, {}) for n in SYSTEMS)
        rr = ratio(e.get("rss_steady_bytes_per_series"), pr.get("rss_steady_bytes_per_series"))
        below_vm = (e.get("rss_steady_bytes_per_series") or 1e99) < (vm.get("rss_steady_bytes_per_series") or 0)
        notes.append(("RSS per series at %s series ≤ 0.4× Prometheus and below VictoriaMetrics" % f(big["config"]["series"], 0),
                      rr is not None and rr <= GOALS["rss"] and below_vm,
                      "Ember/Prometheus = %s; Ember %s VictoriaMetrics (%s vs %s B/series)" % (
                          f(rr, 2), "below" if below_vm else "NOT below", f(e.get("rss_steady_bytes_per_series"), 0),
                          f(vm.get("rss_steady_bytes_per_series"), 0))))
    for p in card["points"]:
        s = p["systems"]
        e, pr = s.get("ember", {}), s.get("prometheus", {})
        cr = ratio(e.get("cpu_s_per_1M_samples"), pr.get("cpu_s_per_1M_samples"))
        # /proc/PID/stat counts CPU in 10 ms ticks: a point where a system used well under a second
        # is coarse there. Newer runs measure from per-thread scheduler statistics (nanoseconds).
        used = [x.get("cpu_s_ingest") for x in (e, pr) if x.get("cpu_s_ingest") is not None]
        if e.get("cpu_s_ingest_schedstat") is not None and pr.get("cpu_s_ingest_schedstat") is not None:
            coarse = "; %s vs %s CPU s in the whole window" % (
                f(e["cpu_s_ingest_schedstat"], 3), f(pr["cpu_s_ingest_schedstat"], 3))
        elif used and min(used) < 1.0:
            coarse = "; coarse: %s vs %s CPU s in the whole window, counted in 10 ms ticks" % (
                f(e.get("cpu_s_ingest"), 2), f(pr.get("cpu_s_ingest"), 2))
        else:
            coarse = ""
        small = [x.get("cpu_s_ingest_schedstat") for x in (e, pr)]
        if cr is not None and cr > 1.0 and None not in small and max(small) < 1.0:
            per_series = ratio(e.get("samples_in_window"), e.get("active_series"))
            WHY.append("CPU per sample at %s: the whole window is %s vs %s CPU s for about %s scrapes of each series; "
                       "at this size the cost is the wake-ups around each scrape (timers, thread hand-offs), not the "
                       "samples, and the two servers are even scrape for scrape (profile and a steady-state "
                       "measurement in `docs/benchmarks/2026-11-30-queries-after-start.md`)." % (
                           p["config"]["name"], f(small[0], 3), f(small[1], 3), f(per_series, 0)))
        notes.append(("CPU per sample ≤ Prometheus (%s)" % p["config"]["name"], cr is not None and cr <= 1.0,
                      "Ember/Prometheus = %s (%s vs %s s/1M%s)" % (f(cr, 2), f(e.get("cpu_s_per_1M_samples"), 2),
                                                                   f(pr.get("cpu_s_per_1M_samples"), 2), coarse)))
        lr = ratio(panel_median(e), panel_median(pr))
        er = ratio(engine_median(e), engine_median(pr))
        engine = ("; inside the engine (execTotalTime) %s vs %s ms = %s" % (
            f(engine_median(e), 2), f(engine_median(pr), 2), f(er, 2))) if er is not None else ""
        if lr is not None and lr > GOALS["panel"] and er is not None and er <= GOALS["panel"]:
            WHY.append("Panel latency at %s: inside the engine Ember takes %s of Prometheus's time; the rest of each "
                       "request is its fixed cost — the client, a new connection per request, HTTP and JSON — which a "
                       "bare `/api/v1/labels` shows: %s ms on Ember, %s on Prometheus in this run (measurements in "
                       "`docs/benchmarks/2026-11-30-request-path.md` and "
                       "`docs/benchmarks/2026-11-30-json-and-decoding.md`; answering small queries on the connection's "
                       "event loop, without the two thread hand-offs, saved 0.1-0.25 ms a request in a trial: "
                       "`docs/benchmarks/2026-11-30-scrape-on-event-loop.md`)." % (
                           p["config"]["name"], f(er, 2), f(lat_med(e, "labels")), f(lat_med(pr, "labels"))))
        notes.append(("Panel latency ≤ 0.5× Prometheus (%s)" % p["config"]["name"], lr is not None and lr <= GOALS["panel"],
                      "Ember/Prometheus = %s (%s vs %s ms%s)" % (f(lr, 2), f(panel_median(e)), f(panel_median(pr)), engine)))
    return out


def _arg(argv, name, default):
    return argv[argv.index(name) + 1] if name in argv and argv.index(name) + 1 < len(argv) else default


def _first(card, kind, key):
    for p in card["points"]:
        if p["config"]["kind"] == kind:
            return p["config"].get(key, [])
    return []


def retention_section(ret, plots, notes):
    out = ["## Retention", ""]
    if not ret or not ret.get("systems"):
        return out + ["No retention results (docs/benchmarks/data/retention.json missing)."]
    c = ret["config"]
    S = ret["systems"]
    out += ["%s series × %s days at %ss (%s samples per series) generated with `synth_exporter.py --dump`, "
            "then backfilled into blocks. The size limit given to each server is %.0f%% of its own block bytes. "
            "Query latencies: median of %s runs of query_range ending at the last sample (steps: 1h→15s, 1d→120s, 7d→900s)."
            % (c["series"], c["days"], c["step"], c["samples_per_series"], c["limit_share"] * 100, c["reps"]), ""]
    ps = (S.get("prometheus", {}).get("blocks") or {}).get("samples") or (S.get("ember", {}).get("blocks") or {}).get("samples")
    out += ["| system | backfill s | blocks | index B/sample | chunks B/sample | total B/sample | first start s | restart s "
            "| size limit | time to fit limit s | worst excess over limit | largest block | within one block |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in SYSTEMS:
        r = S.get(n)
        if not r:
            continue
        b = r.get("blocks") or {}
        tot = r.get("total_bytes_per_sample")
        if n == "victoriametrics" and ps:
            tot = r["data_dir_bytes"] / ps
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            n, f(r.get("backfill_s")), b.get("blocks", "–"), f(r.get("index_bytes_per_sample"), 2),
            f(r.get("chunks_bytes_per_sample"), 2), f(tot, 2), f(r.get("first_start_ready_s"), 2),
            f(r.get("restart_ready_s"), 2), f(r.get("retention_size_limit_bytes"), 0) if n != "victoriametrics"
            else "n/a (no size retention)", f(r.get("retention_fit_s")), f(r.get("retention_max_excess_bytes"), 0),
            f(b.get("largest_block"), 0), r.get("retention_excess_within_one_block", "n/a")))
    out += ["", "The data starts above the limit on purpose (the limit is a share of the backfilled blocks): *time to "
            "fit limit* is from process start until the block bytes first fit (sampled every second), and *worst excess* "
            "is the largest overshoot in the last 5 seconds of the observation, compared with the largest block. "
            "Prometheus counts its WAL and head chunks against the limit too; the plot shows block bytes for both.", "",
            "VictoriaMetrics' total is its whole data dir after force_merge divided by the same sample count; "
            "it has no index/chunks split and no size-based retention.", ""]
    keys = sorted({k for r in S.values() for k in (r.get("query_latency_ms") or {})},
                  key=lambda k: (["1h", "1d", "7d"].index(k.rsplit("_", 1)[1]), k))
    out += ["| query_range | " + " | ".join(n for n in SYSTEMS if n in S) + " | Ember/Prometheus |",
            "|---|" + "---|" * (len([n for n in SYSTEMS if n in S]) + 1)]
    for k in keys:
        vals = [((S[n].get("query_latency_ms") or {}).get(k) or {}) for n in SYSTEMS if n in S]
        e = ((S.get("ember", {}).get("query_latency_ms") or {}).get(k) or {}).get("median")
        p = ((S.get("prometheus", {}).get("query_latency_ms") or {}).get(k) or {}).get("median")
        out.append("| %s | %s | %s |" % (k, " | ".join("%s ms (%s pts)" % (f(v.get("median")), v.get("points", "–"))
                                                       for v in vals), f(ratio(e, p), 2)))
    out.append("")
    slow = []
    for k in keys:
        e = ((S.get("ember", {}).get("query_latency_ms") or {}).get(k) or {}).get("median")
        p = ((S.get("prometheus", {}).get("query_latency_ms") or {}).get(k) or {}).get("median")
        r = ratio(e, p)
        if r is not None and r > GOALS["panel"]:
            slow.append("%s (%s)" % (k, f(r, 2)))
    if slow:
        out += ["Above the panel goal of %s× Prometheus in this run: %s. Each server is asked right after it "
                "starts, one fresh connection per request, so the short queries carry the client's and the "
                "connection's fixed cost; where the rest goes is in `docs/benchmarks/2026-11-30-queries-after-start.md` "
                "and `docs/benchmarks/2026-11-30-json-and-decoding.md` (queries over blocks)." % (
                    GOALS["panel"], ", ".join(slow)), ""]
    empty = [k for k in keys if ((S.get("ember", {}).get("query_latency_ms") or {}).get(k) or {}).get("points") == 0
             and (((S.get("prometheus", {}).get("query_latency_ms") or {}).get(k) or {}).get("points") or 0) > 0]
    if empty:
        out += ["**Ember returned no points where Prometheus 2.42 did** for: %s. With samples %ss apart a 5m rate "
                "window holds two samples only if both ends are included (Prometheus 2.x ranges are closed; 3.x "
                "made them left-open), so these latencies are not comparable." % (", ".join(empty), c["step"]), ""]
    groups = []
    for part in ("index", "chunks", "total"):
        d = {n: S[n].get(part + "_bytes_per_sample") for n in ("ember", "prometheus") if n in S}
        if part == "total" and "victoriametrics" in S and ps:
            d["victoriametrics"] = S["victoriametrics"]["data_dir_bytes"] / ps
        groups.append((part, d))
    plots["bytes_per_sample.svg"] = bar_chart("On-disk bytes per sample after backfill (by part)", "bytes/sample",
                                              groups, [n for n in SYSTEMS if n in S])
    tl = {n: [(t, b) for t, b, _ in S[n].get("retention_timeline", [])] for n in ("ember", "prometheus") if n in S}
    hl = [(S[n]["retention_size_limit_bytes"], "%s limit" % n, n) for n in ("ember", "prometheus") if n in S]
    plots["disk_vs_retention.svg"] = line_chart("Block bytes under --storage.tsdb.retention.size", "seconds since start",
                                                "bytes in blocks", tl, hlines=hl)
    out += ["![bytes per sample](benchmarks/plots/bytes_per_sample.svg)", "",
            "![disk use vs retention limit](benchmarks/plots/disk_vs_retention.svg)", ""]
    e, p = S.get("ember", {}), S.get("prometheus", {})
    br = ratio(e.get("total_bytes_per_sample"), p.get("total_bytes_per_sample"))
    notes.append(("Bytes per sample ≤ Prometheus (blocks)", br is not None and br <= 1.0,
                  "Ember/Prometheus = %s (%s vs %s B/sample)" % (f(br, 2), f(e.get("total_bytes_per_sample"), 2),
                                                                   f(p.get("total_bytes_per_sample"), 2))))
    notes.append(("Size retention never exceeds the limit by more than one block", bool(e.get("retention_excess_within_one_block")),
                  "worst excess %s B, largest block %s B" % (f(e.get("retention_max_excess_bytes"), 0),
                                                             f((e.get("blocks") or {}).get("largest_block"), 0))))
    return out


def shapes_section(shp, plots, notes):
    out = ["## Bytes per sample by data shape", ""]
    if not shp or not shp.get("shapes"):
        return out + ["No data-shape results (docs/benchmarks/data/shapes.json missing).", ""]
    c = shp["config"]
    S = shp["shapes"]
    out += ["`Benchmarks/shapes.py`: for each value shape, %s series × %s samples %ss apart (seed %s, one 2 h block) "
            "are written as OpenMetrics and backfilled with `ember tsdb create-blocks-from openmetrics` and "
            "`promtool tsdb create-blocks-from openmetrics`; bytes are divided by meta.json numSamples. "
            "VictoriaMetrics (a fresh instance per shape) imports the same samples through "
            "`/api/v1/import/prometheus`; its figures are the growth of its data dir after force_flush and "
            "force_merge (*chunks* = `data/`, *total* = the whole dir, `indexdb/` included) over the same sample count. "
            "This run finished %s (load at the end %s) with `%s`."
            % ("{:,}".format(c["series"]), c["samples"], c["step"], c["seed"], shp.get("finished", "?"),
               " ".join(shp.get("loadavg_end") or ["?"]), c.get("ember_bin", "?")), "",
            "| shape | values | " + " | ".join("%s chunks" % n for n in SYSTEMS) + " | "
            + " | ".join("%s total" % n for n in SYSTEMS) + " | Ember/Prometheus chunks | Ember/Prometheus total |",
            "|---|---|" + "---|" * (2 * len(SYSTEMS) + 2)]
    worse, worse_chunks = [], []
    for e in S:
        r = e["systems"]
        cr = ratio((r.get("ember") or {}).get("chunks_bytes_per_sample"), (r.get("prometheus") or {}).get("chunks_bytes_per_sample"))
        tr = ratio((r.get("ember") or {}).get("total_bytes_per_sample"), (r.get("prometheus") or {}).get("total_bytes_per_sample"))
        for part, q, lst in (("total", tr, worse), ("chunks", cr, worse_chunks)):
            if q is None or q > 1.0:
                lst.append("%s (%s vs %s B/sample)" % (e["label"], f((r.get("ember") or {}).get(part + "_bytes_per_sample"), 4),
                                                       f((r.get("prometheus") or {}).get(part + "_bytes_per_sample"), 4)))
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            e["label"], (e.get("description") or "").rstrip("."),
            " | ".join(f((r.get(n) or {}).get("chunks_bytes_per_sample"), 3) for n in SYSTEMS),
            " | ".join(f((r.get(n) or {}).get("total_bytes_per_sample"), 3) for n in SYSTEMS), f(cr, 3), f(tr, 3)))
    out += ["", "Bytes per sample; *total* is the whole block (index, chunks, meta.json, tombstones) for Ember and "
            "Prometheus. With %s samples per series the index is spread over few samples: compare *chunks* for "
            "the value encoding and *total* for what a user's disk holds." % c["samples"], ""]
    names = [n for n in SYSTEMS if any(n in e["systems"] for e in S)]
    for part, title in (("total", "On-disk bytes per sample by data shape (whole block / data dir)"),
                        ("chunks", "Chunk bytes per sample by data shape (VictoriaMetrics: data/)")):
        groups = [(e["label"], {n: (e["systems"].get(n) or {}).get(part + "_bytes_per_sample") for n in names}) for e in S]
        plots["bytes_per_sample_by_shape%s.svg" % ("" if part == "total" else "_chunks")] = bar_chart(
            title, "bytes/sample", groups, names)
    out += ["![bytes per sample by shape](benchmarks/plots/bytes_per_sample_by_shape.svg)", "",
            "![chunk bytes per sample by shape](benchmarks/plots/bytes_per_sample_by_shape_chunks.svg)", ""]
    notes.append(("Bytes per sample ≤ Prometheus on every data shape (whole block)", not worse,
                  "; ".join("%s %s" % (e["label"], f(ratio((e["systems"].get("ember") or {}).get("total_bytes_per_sample"),
                                                             (e["systems"].get("prometheus") or {}).get("total_bytes_per_sample")), 3))
                            for e in S) + " (Ember/Prometheus)"
                  + ("; whole block above Prometheus on: %s" % ", ".join(worse) if worse else "")
                  + ("; chunks alone above Prometheus on: %s" % ", ".join(worse_chunks) if worse_chunks else "")))
    return out


def restart_section(rst, notes):
    out = ["## Restart after kill -9", ""]
    if not rst or not rst.get("points"):
        return out + ["No restart results (docs/benchmarks/data/restart.json missing).", ""]
    out += ["`Benchmarks/restart.py`: Ember gets %s series at %ss through remote write for each head span, "
            "is killed with SIGKILL, and is started again on the same directory; the time is until `/-/ready` "
            "answers 200. Ember only: the other systems' on-disk heads are not comparable inputs." % (
                "{:,}".format(rst.get("series", 0)), rst.get("step_seconds")), "",
            "| head span | samples | WAL MiB | chunks_head MiB | ready after kill -9 (s) | peak RSS at ready (MiB) | series back | samples back |",
            "|---|---|---|---|---|---|---|---|"]
    for p in rst["points"]:
        out.append("| %sh | %s | %s | %s | %s | %s | %s | %s |" % (
            p["hours"], "{:,}".format(p["samples"]), f(p["wal_bytes"] / 1048576, 1), f(p["chunks_head_bytes"] / 1048576, 1),
            f(p["ready_seconds"], 2), f(p["peak_rss_mib"], 0), "{:,}".format(p["series_back"]),
            "{:,}".format(p["samples_back"])))
    two = [p for p in rst["points"] if p["hours"] >= 2 and p["series"] >= 100000]
    if two:
        p = two[0]
        intact = p["samples_back"] == p["samples"] and p["series_back"] == p["series"]
        notes.append(("Ready within 5 s after kill -9 with 100k series and 2 h in the head (everything back)",
                      p["ready_seconds"] <= 5 and intact,
                      "%s s, %s of %s samples back" % (f(p["ready_seconds"], 2), "{:,}".format(p["samples_back"]),
                                                       "{:,}".format(p["samples"]))))
    return out + [""]


def compaction_section(cmp):
    """Head compaction: one 2 h block cut from a 3 h head, Ember and Prometheus one after the other.
    States plainly each figure where Ember is above Prometheus."""
    out = ["## Head compaction", ""]
    if not cmp or not cmp.get("systems"):
        return out + ["No compaction results (docs/benchmarks/data/compaction.json missing).", ""]
    c = cmp.get("config", {})
    out += ["`Benchmarks/compaction.py`: each server in turn (the other not running) gets %s series at %ss through "
            "remote write for %sh, from a 2 h boundary: 1.5 block ranges, one step short of compactable. When its "
            "CPU is quiet, its peak RSS is reset (`/proc/PID/clear_refs`), then one more sample for one series makes "
            "the head compactable and its appender wakes the compactor at once. *Block* is the time until the block "
            "directory is complete; *CPU* is every thread's CPU from that sample until the process is quiet again "
            "(head truncation, WAL checkpoint and memory given back included; idle rate subtracted). *Peak* is "
            "VmHWM over that time; *anon / file* are the largest anonymous and mapped-file parts of RSS sampled "
            "every 50 ms while the block was written (file pages are page cache, which the kernel can take back)."
            " VictoriaMetrics has no head or blocks to compare." % (
                "{:,}".format(c.get("series", 0)), c.get("step"), c.get("hours")), "",
            "| system | samples before | block s | settled s | CPU s | RSS before MiB | peak MiB | peak rise MiB "
            "| anon / file at peak MiB | RSS after MiB | block series | block B/sample | index / chunks B/sample | complete |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    sysres = cmp["systems"]
    for n in ("ember", "prometheus"):
        r = sysres.get(n)
        if not r:
            continue
        b = r.get("block", {})
        smp = b.get("samples") or 0
        split = r.get("sampled_peak_anon_file_mib") or [None, None]
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s / %s | %s |" % (
            n, "{:,}".format(r.get("samples_written", 0)), f(r.get("block_written_s"), 2), f(r.get("settled_s"), 2),
            f(r.get("cpu_s"), 2), f(r.get("rss_before_mib"), 0), f(r.get("peak_rss_mib"), 0),
            f(r.get("peak_rise_mib"), 0), f(split[0], 0), f(split[1], 0), f(r.get("rss_after_mib"), 0),
            "{:,}".format(b.get("series", 0)), f(b["bytes"] / smp, 2) if smp else "–",
            f(b["index_bytes"] / smp, 2) if smp else "–", f(b["chunks_bytes"] / smp, 2) if smp else "–",
            "yes" if b.get("complete") else "**no**"))
    e, p = sysres.get("ember"), sysres.get("prometheus")
    if e and p:
        keys = [("cpu_s", "CPU s"), ("block_written_s", "time to the block"), ("peak_rss_mib", "peak RSS"),
                ("peak_rise_mib", "peak rise over the RSS before"), ("rss_after_mib", "RSS after")]
        ratios = ["%s %s" % (label, f(ratio(e.get(k), p.get(k)), 2)) for k, label in keys]
        above = [label for k, label in keys if e.get(k) is not None and p.get(k) is not None and e[k] > p[k]]
        out += ["", "Ember/Prometheus: %s." % "; ".join(ratios)]
        out.append("Ember is above Prometheus on: %s." % ", ".join(above) if above
                   else "Ember is at or below Prometheus on every figure of this table.")
    return out + [""]


def profile_section(prof):
    out = ["## Where the time goes (profiles)", ""]
    if not prof:
        return out + ["No profile (docs/benchmarks/data/profile.json missing: `Benchmarks/profile.py` needs perf).", ""]
    ing, qry = prof.get("ingest") or {}, prof.get("query") or {}
    out += ["`Benchmarks/profile.py`: `perf record -F 999` on Ember (self time per function, demangled) while it "
            "scrapes %s series over %s targets every %ss (%ss window: %s CPU s per 1M samples), and while it answers "
            "the panels %s (%s times each, 10 min at a 15 s step). These are the costs behind the goals above: "
            "`swift_retain`/`swift_release` and exclusivity checks (`swift_beginAccess`, `AccessSet::insert`) are "
            "reference counting and runtime checks the compiler could not remove from hot loops; a retain is also "
            "often the first touch of an object, so it carries that cache miss." % (
                "{:,}".format(prof.get("series", 0)), prof.get("targets"), prof.get("interval"), ing.get("seconds"),
                f(ing.get("cpu_s_per_1m_samples"), 2), ", ".join("`%s`" % p for p in qry.get("panels", [])),
                qry.get("reps")), ""]
    for title, part in (("Ingest", ing), ("Queries", qry)):
        out += ["| %s: function | self %% |" % title, "|---|---|"]
        out += ["| `%s` | %s |" % (row["symbol"].replace("|", "\\|"), f(row["percent"], 1)) for row in part.get("top", [])]
        out.append("")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(REPO, "docs", "benchmarks", "data"))
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "BENCHMARKS.md"))
    ap.add_argument("--plots", default=os.path.join(REPO, "docs", "benchmarks", "plots"))
    args = ap.parse_args()
    card = load(os.path.join(args.data, "cardinality.json"))
    ret = load(os.path.join(args.data, "retention.json"))
    run = load(os.path.join(args.data, "run.json"))
    rst = load(os.path.join(args.data, "restart.json"))
    shp = load(os.path.join(args.data, "shapes.json"))
    prof = load(os.path.join(args.data, "profile.json"))
    cmp = load(os.path.join(args.data, "compaction.json"))
    plots, notes = {}, []
    body = cardinality_section(card, plots, notes)
    body += retention_section(ret, plots, notes)
    body += shapes_section(shp, plots, notes)
    body += restart_section(rst, notes)
    body += compaction_section(cmp)
    body += profile_section(prof)
    mode = (run or {}).get("mode", "unknown")
    doc = ["# Benchmarks: Ember vs Prometheus 2.42 vs VictoriaMetrics", "",
           "Generated by `scripts/benchmarks` (%s run) from the raw JSON in `docs/benchmarks/data/`; "
           "do not edit by hand. The machine is shared and noisy: compare systems within this one run "
           "(they ran side by side), not against other runs." % mode, ""]
    if "/debug/" in ((run or {}).get("machine", {}).get("ember_bin") or ""):
        doc += ["**Ember ran as a debug build in this run**: its CPU and latency figures are not representative "
                "of a release build.", ""]
    if mode != "default":
        doc += ["**This is not the default-size run** (%s): sizes and durations are in the commands below." % mode, ""]
    doc += ["## Goals", "", "| goal | met | measured |", "|---|---|---|"]
    doc += ["| %s | %s | %s |" % (g, "yes" if ok else "**NO**", m) for g, ok, m in notes]
    missed = [g for g, ok, _ in notes if not ok]
    doc += ["", ("Ember falls short of %d of %d goals in this run: %s." % (len(missed), len(notes), "; ".join(missed)))
            if missed else "Ember met every goal measured in this run.", ""]
    doc += [w for x in WHY for w in (x, "")]
    doc += machine_section(run) + body
    os.makedirs(args.plots, exist_ok=True)
    for name, svg in plots.items():
        with open(os.path.join(args.plots, name), "w") as fh:
            fh.write(svg)
    with open(args.out, "w") as fh:
        fh.write("\n".join(doc) + "\n")
    print("wrote %s and %d plots" % (args.out, len(plots)))


if __name__ == "__main__":
    main()
