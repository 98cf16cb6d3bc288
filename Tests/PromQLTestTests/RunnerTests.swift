import Foundation
import Testing
import PromQL
@testable import PromQLTest

/// The runner's verdicts and report on small scripts written to a temporary directory.
struct RunnerTests {
    func run(_ script: String) async throws -> CorpusReport {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promqltest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try script.write(to: directory.appendingPathComponent("case.test"), atomically: true, encoding: .utf8)
        return await CorpusRunner().run(paths: [directory.path])
    }

    @Test func reportsOneLinePerFailureAndTheTotals() async throws {
        let report = try await run("""
        load 1m
          m{a="1"} 1 2 3
          h {{schema:0 count:1 sum:1 buckets:[1]}}

        eval instant at 2m m
          m{a="1"} 3

        eval instant at 2m m
          m{a="1"} 4

        eval range from 0 to 2m step 1m m * 2
          {a="1"} 2 4 6

        eval instant at 0 h

        eval instant at 0 rate(m[1m])
          expect warn
        """)
        #expect(report.passed == 2)
        #expect(report.failed == 2)
        #expect(report.skipped(.nativeHistograms) == 1)
        #expect(report.render() == """
        case.test:8: m: m{a="1"}: expected 4.0, got 3.0
        case.test:16: rate(m[1m]): expected a warning, got none
        2 passed, 2 failed
        skipped: 1 native histograms, 0 start timestamps
        """)
        #expect(report.render(perFile: true) == """
        case.test:8: m: m{a="1"}: expected 4.0, got 3.0
        case.test:16: rate(m[1m]): expected a warning, got none
        case.test: 2 passed, 2 failed, 1 skipped (1 native histograms)
        2 passed, 2 failed
        skipped: 1 native histograms, 0 start timestamps
        """)
    }

    @Test func comparesErrorAndAnnotationTexts() async throws {
        let report = try await run("""
        load 1m
          m 1 2 3

        eval instant at 2m topk(NaN, m)
          expect fail msg: Parameter value is NaN

        eval instant at 2m quantile(2, m)
          expect warn msg: PromQL warning: quantile value should be between 0 and 1, got 2
          {} +Inf

        eval instant at 2m quantile(2, m)
          expect warn msg: PromQL warning: something else
          {} +Inf
        """)
        #expect(report.passed == 2)
        #expect(report.render().hasPrefix("case.test:11: quantile(2, m): no warning matches exact(\"PromQL warning: something else\")"))
    }
}

/// The `@` pinning rewrite of the step-invariance check.
struct AtPinningTests {
    @Test func pinsSelectorsAndSubqueriesButNotSubqueryInsides() throws {
        let expr = try parsePromQL("rate(x[5m]) + y offset 1m + max_over_time(z[5m:1m]) + w @ 5")
        #expect(AtPinning.pin(expr, at: 60_000).description
            == "rate(x[5m] @ 60.000) + y @ 60.000 offset 1m + max_over_time(z[5m:1m] @ 60.000) + w @ 5.000")
        #expect(AtPinning.usesTimeDependentFunction(try parsePromQL("sum(time() - x)")))
        #expect(AtPinning.times(for: 0) == [-1000, 0, 1000])
        #expect(AtPinning.times(for: 5000) == [-50000, 0, 1000, 5000, 50000])
    }
}
