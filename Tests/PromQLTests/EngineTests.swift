import Foundation
import MetricModel
import Storage
import Testing
@testable import PromQL

/// Range and instant evaluation through the public `Engine` API over `MemoryStorage`.
struct EngineTests {
    static func storage() throws -> MemoryStorage {
        let storage = MemoryStorage()
        for instance in ["a", "b"] {
            let labels = Labels(["__name__": "requests_total", "instance": instance])
            try storage.add(labels, (0...20).map { (Int64($0) * 15_000, Double($0) * (instance == "a" ? 15 : 30)) })
        }
        return storage
    }

    @Test func rangeQueryReturnsOneSeriesPerOutputLabelSet() async throws {
        let engine = Engine(queryable: try Self.storage())
        let value = try await engine.rangeQuery("sum(rate(requests_total[1m]))", start: 60_000, end: 180_000, step: 60_000)
        guard case let .matrix(series) = value else { Issue.record("\(value)"); return }
        #expect(series.count == 1)
        #expect(series[0].labels == .empty)
        #expect(series[0].timestamps == [60_000, 120_000, 180_000])
        #expect(series[0].values.allSatisfy { abs($0 - 3) < 1e-9 })
    }

    @Test func rangeQueryRejectsBadSteps() async throws {
        let engine = Engine(queryable: try Self.storage())
        await #expect(throws: QueryError.badData("zero or negative query resolution step widths are not accepted. Try a positive integer")) {
            _ = try await engine.rangeQuery("requests_total", start: 0, end: 10, step: 0)
        }
        await #expect(throws: QueryError.badData("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector")) {
            _ = try await engine.rangeQuery("requests_total[1m]", start: 0, end: 10, step: 1)
        }
    }

    @Test func staleMarkerEndsASeries() async throws {
        let storage = MemoryStorage()
        try storage.add(Labels(["__name__": "up"]), [(0, 1), (30_000, .staleMarker)])
        let engine = Engine(queryable: storage)
        #expect(try await engine.instantQuery("up", at: 20_000) == .vector([VectorElement(labels: Labels(["__name__": "up"]), timestamp: 20_000, value: 1)]))
        #expect(try await engine.instantQuery("up", at: 40_000) == .vector([]))
    }

    @Test func binaryMatchingErrorsUsePrometheusWording() async throws {
        let storage = MemoryStorage()
        try storage.add(Labels(["__name__": "a", "job": "x", "i": "1"]), [(0, 1)])
        try storage.add(Labels(["__name__": "a", "job": "x", "i": "2"]), [(0, 2)])
        try storage.add(Labels(["__name__": "b", "job": "x"]), [(0, 3)])
        let engine = Engine(queryable: storage)
        await #expect(throws: QueryError.execution("found duplicate series for the match group {job=\"x\"} on the right hand-side of the operation: [{__name__=\"a\", i=\"1\", job=\"x\"}, {__name__=\"a\", i=\"2\", job=\"x\"}];many-to-many matching not allowed: matching labels must be unique on one side")) {
            _ = try await engine.instantQuery("b / on(job) group_left a", at: 0)
        }
        await #expect(throws: QueryError.execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")) {
            _ = try await engine.instantQuery("a / on(job) b", at: 0)
        }
        await #expect(throws: QueryError.execution("vector cannot contain metrics with the same labelset")) {
            _ = try await engine.instantQuery("label_replace(a, \"i\", \"1\", \"\", \"\")", at: 0)
        }
        let grouped = try await engine.instantQuery("a / on(job) group_left b", at: 0)
        #expect(grouped == .vector([
            VectorElement(labels: Labels(["i": "1", "job": "x"]), timestamp: 0, value: 1.0 / 3),
            VectorElement(labels: Labels(["i": "2", "job": "x"]), timestamp: 0, value: 2.0 / 3),
        ]))
    }

    @Test func extendedSelectorsOnlyWorkWithSomeFunctions() async throws {
        let engine = Engine(queryable: try Self.storage())
        await #expect(throws: QueryError.execution("anchored modifier can only be used with: changes, delta, increase, rate, resets - not with max_over_time")) {
            _ = try await engine.instantQuery("max_over_time(requests_total[1m] anchored)", at: 120_000)
        }
        await #expect(throws: QueryError.execution("smoothed modifier can only be used with: delta, increase, rate - not with changes")) {
            _ = try await engine.instantQuery("changes(requests_total[1m] smoothed)", at: 120_000)
        }
        // Samples every 15 s rising by 15 (instance a): the anchored increase over 1m is exactly 60.
        let value = try await engine.instantQuery("increase(requests_total{instance=\"a\"}[1m] anchored)", at: 120_000)
        #expect(value == .vector([VectorElement(labels: Labels(["instance": "a"]), timestamp: 120_000, value: 60)]))
    }

    @Test func infoAddsDataLabelsAndReportsConflicts() async throws {
        let storage = MemoryStorage()
        try storage.add(Labels(["__name__": "m", "instance": "a", "job": "j"]), [(0, 5)])
        try storage.add(Labels(["__name__": "target_info", "instance": "a", "job": "j", "region": "eu"]), [(0, 1)])
        try storage.add(Labels(["__name__": "build_info", "instance": "a", "job": "j", "region": "us"]), [(0, 1)])
        let engine = Engine(queryable: storage)
        #expect(try await engine.instantQuery("info(m)", at: 0)
            == .vector([VectorElement(labels: Labels(["__name__": "m", "instance": "a", "job": "j", "region": "eu"]), timestamp: 0, value: 5)]))
        await #expect(throws: QueryError.execution("conflicting label: region")) {
            _ = try await engine.instantQuery("info(m, {__name__=~\".+_info\"})", at: 0)
        }
    }
}
