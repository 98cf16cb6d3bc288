#!/usr/bin/env python3
"""Checks of Benchmarks/shapes.py's inputs and of its report section (stdlib only, no servers):

    python3 -m unittest discover -s Benchmarks -p 'test_*.py'
"""
import filecmp
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report  # noqa: E402
import shapes  # noqa: E402

T0 = 1700006400  # a 2 h boundary


def read_series(path, ms):
    """{series label: [(timestamp, value text)]} from a generated file."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            name, value, ts = line.split()
            key = name[name.index('series="'):]
            out.setdefault(key, []).append((int(ts) if ms else float(ts), value))
    return out


class GenerateTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def gen(self, shape, tag="a", series=6, samples=50):
        om, vm = (os.path.join(self.tmp.name, "%s-%s.%s" % (shape, tag, x)) for x in ("om", "vm"))
        shapes.generate(shape, series, samples, 15, T0, 1, om, vm)
        return om, vm

    def test_same_arguments_give_identical_files(self):
        for shape in shapes.SHAPES:
            a, b = self.gen(shape, "a"), self.gen(shape, "b")
            self.assertTrue(filecmp.cmp(a[0], b[0], shallow=False), shape)
            self.assertTrue(filecmp.cmp(a[1], b[1], shallow=False), shape)

    def test_openmetrics_and_import_files_hold_the_same_samples(self):
        om, vm = self.gen("gauge_decimals")
        with open(om) as f:
            self.assertEqual(f.read().splitlines()[-1], "# EOF")
        a, b = read_series(om, ms=False), read_series(vm, ms=True)
        self.assertEqual(len(a), 6)
        for key in a:
            self.assertEqual([(int(t * 1000), v) for t, v in a[key]], b[key])
            self.assertEqual([t for t, _ in b[key]], [(T0 + 15 * k) * 1000 for k in range(50)])

    def test_each_shape_has_its_value_pattern(self):
        def values(shape):
            return [[float(v) for _, v in s] for s in read_series(self.gen(shape)[0], ms=False).values()]
        for s in values("constant"):
            self.assertEqual(len(set(s)), 1)
        for s in values("counter"):
            steps = [b - a for a, b in zip(s, s[1:])]
            self.assertTrue(all(0 <= d <= 10 and d == int(d) for d in steps), steps)
        for s in values("counter_step"):
            self.assertEqual(len({b - a for a, b in zip(s, s[1:])}), 1)
        texts = [v for s in read_series(self.gen("gauge_decimals")[0], ms=False).values() for _, v in s]
        self.assertTrue(all(len(v.split(".")[1]) <= 3 for v in texts if "e" not in v), texts[:5])
        for s in values("random_float"):
            self.assertTrue(all(0 <= v < 1 for v in s))
            self.assertGreater(len(set(s)), 45)


class ArgumentTests(unittest.TestCase):
    def test_shapes_list_keeps_its_order(self):
        self.assertEqual(shapes.parse_shapes("random_float, constant"), ["random_float", "constant"])

    def test_unknown_shape_is_named(self):
        with self.assertRaises(SystemExit) as e:
            shapes.parse_shapes("counter,sawtooth")
        self.assertEqual(str(e.exception), "--shapes: unknown shape 'sawtooth' (known: constant, counter, "
                                           "counter_step, gauge_decimals, random_float)")

    def test_empty_shapes_list_is_refused(self):
        with self.assertRaises(SystemExit) as e:
            shapes.parse_shapes(" , ")
        self.assertEqual(str(e.exception), "--shapes: no shape given (known: constant, counter, counter_step, "
                                           "gauge_decimals, random_float)")


def fake_result(ember_total, prom_total, ember_chunks=1.0, prom_chunks=1.0):
    sysres = {"ember": {"chunks_bytes_per_sample": ember_chunks, "total_bytes_per_sample": ember_total},
              "prometheus": {"chunks_bytes_per_sample": prom_chunks, "total_bytes_per_sample": prom_total},
              "victoriametrics": {"chunks_bytes_per_sample": 0.5, "total_bytes_per_sample": 0.9}}
    return {"config": {"series": 10, "samples": 480, "step": 15, "seed": 1},
            "shapes": [{"name": "counter", "label": "counter", "description": "A counter.", "systems": sysres}]}


class ReportTests(unittest.TestCase):
    def test_goal_met_when_ember_is_not_above_prometheus(self):
        plots, notes = {}, []
        report.shapes_section(fake_result(1.5, 2.0), plots, notes)
        self.assertEqual(notes, [("Bytes per sample ≤ Prometheus on every data shape (whole block)", True,
                                  "counter 0.750 (Ember/Prometheus)")])
        self.assertEqual(sorted(plots), ["bytes_per_sample_by_shape.svg", "bytes_per_sample_by_shape_chunks.svg"])

    def test_goal_missed_names_the_shape_and_both_sizes(self):
        notes = []
        report.shapes_section(fake_result(2.5, 2.0, ember_chunks=1.25), {}, notes)
        self.assertEqual(notes[0][1], False)
        self.assertEqual(notes[0][2], "counter 1.250 (Ember/Prometheus); whole block above Prometheus on: "
                                      "counter (2.5000 vs 2.0000 B/sample); chunks alone above Prometheus on: "
                                      "counter (1.2500 vs 1.0000 B/sample)")

    def test_missing_results_are_reported_as_missing(self):
        notes = []
        out = report.shapes_section(None, {}, notes)
        self.assertIn("No data-shape results (docs/benchmarks/data/shapes.json missing).", out)
        self.assertEqual(notes, [])


if __name__ == "__main__":
    unittest.main()
