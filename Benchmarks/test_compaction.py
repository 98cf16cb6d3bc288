#!/usr/bin/env python3
"""Checks of Benchmarks/compaction.py's helpers and of its report section (stdlib only, no servers):

    python3 -m unittest discover -s Benchmarks -p 'test_*.py'
"""
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compaction  # noqa: E402
import report  # noqa: E402


class FakeMeter:
    """CPU seconds that grow by `busy[i]` at the i-th sample (then stay)."""

    def __init__(self, busy):
        self.busy, self.total, self.samples = list(busy), 0.0, 0

    def sample(self):
        if self.busy:
            self.total += self.busy.pop(0)
        self.samples += 1

    def seconds(self):
        return self.total


class HelperTests(unittest.TestCase):
    def test_quiet_is_found_after_the_busy_samples(self):
        meter = FakeMeter([0.5, 0.5, 0.5])  # busy for three samples, then idle
        began = compaction.wait_quiet(meter, seconds=0.03, limit=5, poll=0.01)
        self.assertIsNotNone(began)
        self.assertGreaterEqual(meter.samples, 4)

    def test_a_process_that_never_goes_quiet_times_out(self):
        meter = FakeMeter([0.5] * 10000)
        self.assertIsNone(compaction.wait_quiet(meter, seconds=0.03, limit=0.2, poll=0.01))

    def test_only_complete_block_directories_count(self):
        with tempfile.TemporaryDirectory() as d:
            for name, meta in (("01A", True), ("01B.tmp", True), ("01C", False), ("wal", False)):
                os.makedirs(os.path.join(d, name))
                if meta:
                    open(os.path.join(d, name, "meta.json"), "w").close()
            self.assertEqual(compaction.completed_blocks(d), ["01A"])


def fake_result(ember, prom):
    def system(cpu, rise, peak):
        return {"samples_written": 72, "block_written_s": 1.0, "settled_s": 1.5, "cpu_s": cpu, "rss_before_mib": 100.0,
                "peak_rss_mib": peak, "peak_rise_mib": rise, "sampled_peak_anon_file_mib": [90.0, 10.0],
                "rss_after_mib": 95.0, "block": {"series": 10, "samples": 40, "bytes": 80, "index_bytes": 8,
                                                 "chunks_bytes": 70, "complete": True}}
    return {"config": {"series": 10, "step": 15, "hours": 3.0},
            "systems": {"ember": system(*ember), "prometheus": system(*prom)}}


class ReportTests(unittest.TestCase):
    def test_a_figure_above_prometheus_is_named(self):
        out = report.compaction_section(fake_result((1.0, 50.0, 150.0), (2.0, 40.0, 300.0)))
        self.assertIn("| ember | 72 | 1.00 | 1.50 | 1.00 | 100 | 150 | 50 | 90 / 10 | 95 | 10 | 2.00 | 0.20 / 1.75 | yes |", out)
        self.assertIn("Ember is above Prometheus on: peak rise over the RSS before.", out)

    def test_nothing_above_says_so(self):
        out = report.compaction_section(fake_result((1.0, 30.0, 150.0), (2.0, 40.0, 300.0)))
        self.assertIn("Ember is at or below Prometheus on every figure of this table.", out)

    def test_missing_results_are_reported_as_missing(self):
        self.assertIn("No compaction results (docs/benchmarks/data/compaction.json missing).",
                      report.compaction_section(None))


if __name__ == "__main__":
    unittest.main()
