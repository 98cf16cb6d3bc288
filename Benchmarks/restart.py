#!/usr/bin/env python3
"""Restart benchmark: how long Ember takes to be ready after `kill -9`, against
the amount of data in its head.

For each head span (--hours, e.g. 0.5,1,2): a fresh Ember with the remote
write receiver gets --series series at --step seconds over that span, written
in time order through /api/v1/write (protobuf + snappy, encoded here with the
standard library only); then Ember is killed with SIGKILL, started again on
the same data directory, and timed until /-/ready answers 200. Reported per
point: samples in the head, data directory bytes (WAL and chunks_head
separately), time to ready, peak RSS (VmHWM) at ready, and whether every
written series and sample is back (a count query after the restart).

    python3 Benchmarks/restart.py --ember-bin .build/release/ember \\
        --series 100000 --hours 0.5,1,2 --out docs/benchmarks/data/restart.json

Loopback only; each server is stopped when its point ends, and every wait is
bounded.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from retention import dir_bytes  # noqa: E402


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, wire_type, payload):
    """A length-delimited protobuf field (wire type 2)."""
    return varint(number << 3 | wire_type) + varint(len(payload)) + payload


def snappy_literal(data):
    """Snappy block format holding `data` as literals only: valid input for
    any decoder, no compression needed (the receiver's cost is the same)."""
    out = bytearray(varint(len(data)))
    chunk = 1 << 16
    for start in range(0, len(data), chunk):
        piece = data[start:start + chunk]
        n = len(piece) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 1 << 8:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += piece
    return bytes(out)


def series_labels(index, series):
    """The label block of series `index` (a prometheus.Label list, sorted by name)."""
    labels = [("__name__", "restart_bench_metric"), ("instance", "10.0.%d.%d:9100" % (index // 250, index % 250)),
              ("job", "restart"), ("series", str(index))]
    return b"".join(field(1, 2, field(1, 2, n.encode()) + field(2, 2, v.encode())) for n, v in labels)


def write_request(label_blocks, first_series, first, count, start_ms, step_ms):
    """One WriteRequest: every series in `label_blocks` with samples first..first+count-1.
    Every sample is a fixed 18-byte field (tag, length, double, 6-byte timestamp varint), so a
    series' samples are one struct.pack; values count up by one per step from the series index."""
    stamps = [b"\x10" + varint(start_ms + i * step_ms) for i in range(first, first + count)]
    if any(len(t) != 7 for t in stamps):
        raise ValueError("timestamps must have 6-byte varints (years 2004-2109 in ms)")
    layout = struct.Struct("<" + "3sd7s" * count)
    head = b"\x12\x10\x09"
    timeseries = []
    for offset, labels in enumerate(label_blocks):
        base = float(first_series + offset)
        values = []
        for k, stamp in enumerate(stamps):
            values += (head, base + first + k, stamp)
        timeseries.append(field(1, 2, labels + layout.pack(*values)))
    return b"".join(timeseries)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, body=None, timeout=30):
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/x-protobuf")
        request.add_header("Content-Encoding", "snappy")
        request.add_header("X-Prometheus-Remote-Write-Version", "0.1.0")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def start(ember, data, port, log):
    return subprocess.Popen([ember, "--config.file=" + os.path.join(data, "..", "ember.yml"),
                             "--storage.tsdb.path=" + data, "--web.listen-address=127.0.0.1:%d" % port,
                             "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=30d"],
                            stdout=log, stderr=log, start_new_session=True)


def wait_ready(port, proc, limit):
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if proc.poll() is not None:
            raise RuntimeError("ember exited with %s before it was ready" % proc.returncode)
        try:
            if http("http://127.0.0.1:%d/-/ready" % port, timeout=2)[0] == 200:
                return time.monotonic() - began
        except Exception:
            pass
        time.sleep(0.02)
    raise RuntimeError("ember not ready within %ss" % limit)


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def query_value(port, expr, at):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": expr, "time": "%.3f" % at}))
    _, body = http(url, timeout=120)
    result = json.loads(body)["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def run_point(args, hours, workdir):
    step_ms = args.step * 1000
    samples = int(hours * 3600 / args.step)
    end_ms = (int(time.time()) // args.step) * args.step * 1000
    start_ms = end_ms - (samples - 1) * step_ms
    data = os.path.join(workdir, "data-%s" % hours)
    os.makedirs(data)
    port = free_port()
    log = open(os.path.join(workdir, "ember-%s.log" % hours), "ab")
    proc = start(args.ember_bin, data, port, log)
    try:
        wait_ready(port, proc, 60)
        blocks = [series_labels(i, args.series) for i in range(args.series)]
        began = time.monotonic()
        per_slice = args.samples_per_request
        for first in range(0, samples, per_slice):
            count = min(per_slice, samples - first)
            for lo in range(0, args.series, args.series_per_request):
                body = write_request(blocks[lo:lo + args.series_per_request], lo, first, count, start_ms, step_ms)
                status, text = http("http://127.0.0.1:%d/api/v1/write" % port, snappy_literal(body), timeout=120)
                if status // 100 != 2:
                    raise RuntimeError("remote write answered %d: %s" % (status, text[:200]))
            done = first + count
            print("  %sh: %d/%d samples per series written (%.0fs)" % (hours, done, samples, time.monotonic() - began),
                  flush=True)
        write_seconds = time.monotonic() - began
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    wal = dir_bytes(os.path.join(data, "wal"))
    chunks_head = dir_bytes(os.path.join(data, "chunks_head"))
    proc = start(args.ember_bin, data, port, log)
    try:
        ready = wait_ready(port, proc, args.ready_timeout)
        hwm = vm_hwm_kib(proc.pid)
        at = end_ms / 1000.0
        window = "%ds" % (samples * args.step + 60)
        series_back = query_value(port, 'count(count_over_time(restart_bench_metric[%s]))' % window, at)
        samples_back = query_value(port, 'sum(count_over_time(restart_bench_metric[%s]))' % window, at)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    except Exception:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    point = {"hours": hours, "series": args.series, "samples": args.series * samples, "write_seconds": round(write_seconds, 1),
             "wal_bytes": wal, "chunks_head_bytes": chunks_head, "ready_seconds": round(ready, 3),
             "peak_rss_mib": round(hwm / 1024, 1), "series_back": int(series_back), "samples_back": int(samples_back)}
    print("  %sh: ready %.2fs after kill -9, peak RSS %.0f MiB, %d/%d series and %d/%d samples back" % (
        hours, ready, hwm / 1024, series_back, args.series, samples_back, args.series * samples), flush=True)
    return point


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ember-bin", required=True)
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--hours", default="0.5,1,2", help="head spans to measure, comma separated")
    parser.add_argument("--step", type=int, default=15, help="seconds between samples")
    parser.add_argument("--series-per-request", type=int, default=2000)
    parser.add_argument("--samples-per-request", type=int, default=40, help="samples per series in one request")
    parser.add_argument("--ready-timeout", type=float, default=120)
    parser.add_argument("--tmp", default=tempfile.gettempdir())
    parser.add_argument("--out", help="write the points as JSON here")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="ember-restart-", dir=args.tmp)
    with open(os.path.join(workdir, "ember.yml"), "w") as f:
        f.write("global: {scrape_interval: 1h}\nscrape_configs: []\n")
    points = []
    try:
        for hours in [float(h) for h in args.hours.split(",")]:
            print("restart: %d series, %sh in the head" % (args.series, hours), flush=True)
            points.append(run_point(args, hours, workdir))
            shutil.rmtree(os.path.join(workdir, "data-%s" % hours), ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {"series": args.series, "step_seconds": args.step, "ember_bin": args.ember_bin, "points": points}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
