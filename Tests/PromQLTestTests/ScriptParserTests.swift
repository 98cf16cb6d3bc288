import MetricModel
import Testing
@testable import PromQLTest

struct ScriptParserTests {
    @Test func expandsValueSequences() throws {
        let line = try SeriesLine.parse("m{a=\"b\"} 1+2x2 _x2 stale -2-1x1 _ 3x1 Inf")
        #expect(line.labels == Labels(["__name__": "m", "a": "b"]))
        let values = line.positions.map { p -> String in
            switch p {
            case .empty: return "_"
            case let .float(v): return v.isStaleMarker ? "stale" : "\(v)"
            case .histogram: return "h"
            }
        }
        #expect(values == ["1.0", "3.0", "5.0", "_", "_", "stale", "-2.0", "-3.0", "_", "3.0", "3.0", "inf"])
    }

    @Test func readsHistogramItemsAsMarkers() throws {
        let line = try SeriesLine.parse("h {{schema:0 sum:1 count:2 buckets:[1 1]}}+{{count:1}}x2 5")
        #expect(line.positions.count == 4)
        #expect(line.labels == Labels(["__name__": "h"]))
    }

    @Test func parsesEvalBlocks() throws {
        let text = """
        load 5m
          m{a="x"} 0+10x5
          m{a="x"} 1x3

        # comment ends blocks
        eval instant at 10m sum(m)
          expect no_warn
          {} 2

        eval range from 0 to 10m step 5m m
          m{a="x"} 1 _ 1

        eval_fail instant at 0 bad(
        """
        let script = try TestScript.parse(text, file: "t.test")
        #expect(script.commands.count == 4)
        guard case let .load(load) = script.commands[0] else { Issue.record("not a load"); return }
        #expect(load.series.count == 1)
        #expect(load.series[0].samples.map(\.1) == [1, 1, 1, 1])
        guard case let .eval(instant) = script.commands[1] else { Issue.record("not an eval"); return }
        #expect(instant.query == "sum(m)")
        #expect(instant.mode == .instant(600_000))
        #expect(instant.noWarn)
        guard case let .eval(range) = script.commands[2] else { Issue.record("not an eval"); return }
        #expect(range.mode == .range(start: 0, end: 600_000, step: 300_000))
        #expect(range.series[0].values == [1, nil, 1])
        guard case let .eval(failing) = script.commands[3] else { Issue.record("not an eval"); return }
        #expect(failing.expectFail != nil)
    }

    @Test func rejectsMalformedFiles() {
        #expect(throws: ScriptError.self) { try TestScript.parse("bogus 1", file: "t.test") }
        do {
            _ = try TestScript.parse("load 1m\n  m 1\n\neval instant at 0 m\n  m 1 2", file: "t.test")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "t.test:5: an instant query expects exactly one value per series")
        }
    }

    @Test func toleranceMatchesTheReferenceRunner() {
        #expect(ResultComparison.almostEqual(1, 1 + 1e-9))
        #expect(!ResultComparison.almostEqual(1, 1.001))
        #expect(ResultComparison.almostEqual(.nan, .nan))
        #expect(!ResultComparison.almostEqual(.nan, .staleMarker))
        #expect(!ResultComparison.almostEqual(0, 1e-300))
        #expect(ResultComparison.almostEqual(.infinity, .infinity))
    }
}
