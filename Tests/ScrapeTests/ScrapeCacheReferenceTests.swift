import MetricModel
import Storage
import Config
import Testing
@testable import Scrape

/// The scrape cache keeps references, not labels: hits and staleness markers append by reference,
/// and when the storage has forgotten a reference a sample's labels are built again from its line.
@Suite struct ScrapeCacheReferenceTests {
    /// Hands out references by label set; `forget` makes it refuse references as garbage-collected.
    final class Recorder: Appendable, Appender, @unchecked Sendable {
        var refs: [Labels: SeriesRef] = [:]
        var forgotten = Set<SeriesRef>()
        /// (reference passed, labels passed, value) of every append.
        var appends: [(SeriesRef, Labels, Double)] = []
        func appender() -> any Appender { self }
        func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Timestamp, _ value: Double) throws(AppendError) -> SeriesRef {
            appends.append((ref, labels, value))
            if labels.isEmpty {
                guard ref != 0, !forgotten.contains(ref), refs.values.contains(ref) else { throw .unknownReference }
                return ref
            }
            if let known = refs[labels], !forgotten.contains(known) { return known }
            let fresh = SeriesRef(refs.count + forgotten.count + 1)
            refs[labels] = fresh
            return fresh
        }
        func commit() throws(AppendError) {}
        func rollback() {}
        func forgetAll() {
            forgotten.formUnion(refs.values)
            refs = [:]
        }
    }

    static let text = #"tokens_used_total{provider="openai",type="input"} 5"# + "\n"
        + #"dropped_metric{a="b"} 1"# + "\n"
    static let expected = Labels(["__name__": "tokens_used_total", "provider": "openai", "type": "input",
                                  "job": "j", "instance": "h:1", "env": "prod"])

    func makeAppender() throws -> ScrapeAppender {
        let drop = RelabelConfig(sourceLabels: ["__name__"], regex: "dropped_.*", action: .drop)
        return ScrapeAppender(target: makeTarget(extraLabels: ["env": "prod"]), metricRelabeler: try Relabeler([drop]))
    }

    @Test func hitsAppendByReferenceAlone() throws {
        let storage = Recorder()
        var appender = try makeAppender()
        _ = appender.append(body: Array(Self.text.utf8), contentType: nil, timestamp: 1000, to: storage)
        _ = appender.append(body: Array(Self.text.utf8), contentType: nil, timestamp: 2000, to: storage)
        #expect(storage.appends.count == 2)
        #expect(storage.appends[0].0 == 0 && storage.appends[0].1 == Self.expected)
        #expect(storage.appends[1].0 == 1 && storage.appends[1].1 == .empty)
        #expect(appender.cache.entries.map(\.dropped) == [false, true])
    }

    @Test func aForgottenReferenceIsReplacedThroughTheLabels() throws {
        let storage = Recorder()
        var appender = try makeAppender()
        _ = appender.append(body: Array(Self.text.utf8), contentType: nil, timestamp: 1000, to: storage)
        storage.forgetAll()
        let outcome = appender.append(body: Array(Self.text.utf8), contentType: nil, timestamp: 2000, to: storage)
        #expect(outcome.failure == nil)
        #expect(storage.appends.suffix(2).map(\.0) == [1, 0])
        #expect(storage.appends.last!.1 == Self.expected)
        #expect(appender.cache.entries[0].ref == 2)
        // And the new reference is used from then on.
        _ = appender.append(body: Array(Self.text.utf8), contentType: nil, timestamp: 3000, to: storage)
        #expect(storage.appends.last!.0 == 2 && storage.appends.last!.1 == .empty)
    }

    @Test func staleMarkersGoByReferenceAndSkipForgottenSeries() throws {
        let storage = Recorder()
        var appender = try makeAppender()
        let two = Self.text + #"tokens_used_total{provider="openai",type="output"} 5"# + "\n"
        _ = appender.append(body: Array(two.utf8), contentType: nil, timestamp: 1000, to: storage)
        storage.forgotten.insert(1)
        _ = appender.append(body: [], contentType: nil, timestamp: 2000, to: storage)
        let markers = storage.appends.filter { $0.2.bitPattern == Double.staleMarker.bitPattern }
        // Both tried by reference alone; the forgotten one is not written by labels.
        #expect(markers.map(\.0) == [1, 2])
        #expect(markers.allSatisfy { $0.1 == .empty })
    }
}
