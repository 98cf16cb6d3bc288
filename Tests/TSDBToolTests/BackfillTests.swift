import Foundation
import MetricModel
import Storage
import Testing
import TSDB
@testable import TSDBTool

@Suite struct BackfillTests {
    final class Directory {
        let path = NSTemporaryDirectory() + "ember-backfill-" + UUID().uuidString
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Two series over 5 hours, one sample a minute (seconds timestamps, OpenMetrics).
    func input() -> [UInt8] {
        var text = "# TYPE http_requests counter\n"
        for minute in 0..<300 {
            let t = 1_700_000_000 + minute * 60
            text += "http_requests_total{code=\"200\"} \(minute * 2) \(t)\n"
            text += "http_requests_total{code=\"500\"} \(minute) \(t).5\n"
        }
        return Array((text + "# EOF\n").utf8)
    }

    @Test func readsTheInputFileWholeOrSaysWhyNot() throws {
        let dir = try Directory()
        let path = dir.path + "/data.om"
        let bytes = input()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try Backfill.readInput(path: path) == bytes)
        let empty = dir.path + "/empty.om"
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(try Backfill.readInput(path: empty) == [])
        #expect(throws: Backfill.Failure(description: "open \(dir.path)/missing.om: no such file or directory")) {
            try Backfill.readInput(path: dir.path + "/missing.om")
        }
        #expect(throws: Backfill.Failure(description: "read \(dir.path): is a directory")) {
            try Backfill.readInput(path: dir.path)
        }
        #if os(Linux)
        // /proc files report a size of 0 and are read to their end all the same.
        let status = try Backfill.readInput(path: "/proc/self/status")
        #expect(String(decoding: status, as: UTF8.self).hasPrefix("Name:"))
        #expect(status.count > 100)
        #endif
    }

    @Test func writesOneBlockPerAlignedWindowWithEverySample() throws {
        let dir = try Directory()
        let metas = try Backfill(input: input(), outputDirectory: dir.path).run()
        // 1_700_000_000 s is 23:33:20 UTC: windows [22:00, 00:00), [00:00, 02:00), [02:00, 04:00).
        #expect(metas.count == 3)
        #expect(metas.reduce(0) { $0 + $1.stats.numSamples } == 600)
        #expect(metas.allSatisfy { $0.stats.numSeries == 2 })
        #expect(metas.first?.minTime == 1_700_000_000_000)
        let lastSample: Int64 = 1_700_000_000_000 + 299 * 60_000 + 500
        #expect(metas.last.map(\.maxTime) == lastSample + 1)
        let blocks = try BlockReport.blocks(in: dir.path)
        #expect(blocks.map(\.meta) == metas)
        let querier = try blocks[1].querier(mint: .min, maxt: .max)
        let set = try querier.select(sorted: true, hints: nil, matchers: [LabelMatcher(.equal, "code", "500")])
        let series = try #require(try set.next())
        #expect(series.labels == Labels(["__name__": "http_requests_total", "code": "500"]))
        let it = series.makeIterator()
        var count = 0
        while it.next() { count += 1 }
        #expect(count == 120)
        let listing = BlockReport.list(blocks, humanReadable: false)
        #expect(listing.hasPrefix("BLOCK ULID"))
        #expect(listing.split(separator: "\n").count == 4)
        let analysis = try BlockReport.analyze(blocks[0])
        #expect(analysis.contains("Total Series: 2"))
        #expect(analysis.contains("Bytes per sample: "))
        #expect(analysis.contains("Highest cardinality metric names:\n2 http_requests_total"))
    }

    @Test func badInputFailsWithWhatAndWhere() throws {
        let dir = try Directory()
        let noTimestamp = Array("a 1\n# EOF\n".utf8)
        #expect(throws: Backfill.Failure(description: "sample a has no timestamp; backfilling needs one on every sample")) {
            try Backfill(input: noTimestamp, outputDirectory: dir.path).run()
        }
        let malformed = Array("a 1 100\nb{ 2 100\n# EOF\n".utf8)
        #expect(throws: Backfill.Failure(description: "line 2: expected label name, got \" 2\"")) {
            try Backfill(input: malformed, outputDirectory: dir.path).run()
        }
        let outOfOrder = Array("a 1 200\na 2 100\n# EOF\n".utf8)
        #expect(throws: Backfill.Failure(description: "series a at 100000: out of order sample")) {
            try Backfill(input: outOfOrder, outputDirectory: dir.path).run()
        }
        #expect(throws: Backfill.Failure(description: "no samples found in the input")) {
            try Backfill(input: Array("# EOF\n".utf8), outputDirectory: dir.path).run()
        }
    }

    @Test func goDurations() {
        #expect(BlockReport.duration(7_200_000) == "2h0m0s")
        #expect(BlockReport.duration(90_500) == "1m30.500s")
        #expect(BlockReport.duration(500) == "500ms")
    }
}
