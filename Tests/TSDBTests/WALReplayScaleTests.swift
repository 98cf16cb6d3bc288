import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// Replay at the scale of a real server: 100 000 series × 2 h at Prometheus's default 1 m scrape
/// interval (12 million samples). Asserts only correctness; the time is reported by hand from
/// one-off runs (docs and the branch report), never asserted.
@Suite struct WALReplayScaleTests {
    static let seriesCount = 100_000
    static let scrapes = 120
    static let start: Timestamp = 1_700_000_000_000
    static let interval: Timestamp = 60_000

    static func labels(_ i: Int) -> Labels {
        Labels(["__name__": "replay_metric_\(i % 100)", "job": "node", "instance": "10.0.\(i / 250).\(i % 250):9100",
                "series": "\(i)"])
    }

    static func value(_ series: Int, _ scrape: Int) -> Double { Double(series) * 1000 + Double(scrape * (series % 7)) }

    /// Writes the log as a head would, but directly, to keep the test's own cost low.
    static func writeLog(_ dir: DataDirectory) throws {
        try FileManager.default.createDirectory(atPath: dir.wal, withIntermediateDirectories: true)
        var segment = 0
        var file = try AppendOnlyFile(path: dir.segment(segment))
        func write(_ frame: [UInt8]) throws {
            if file.length > 0 && file.length + frame.count > 128 << 20 {
                segment += 1
                file = try AppendOnlyFile(path: dir.segment(segment))
            }
            try file.append(frame)
        }
        let entries = (0..<seriesCount).map { WALRecord.SeriesEntry(ref: SeriesRef($0 + 1), labels: labels($0)) }
        try write(WALFrame.encode(.series(entries)))
        for scrape in 0..<scrapes {
            let t = start + Timestamp(scrape) * interval
            try write(WALFrame.encode(.samples((0..<seriesCount).map {
                WALSample(ref: SeriesRef($0 + 1), timestamp: t, value: value($0, scrape))
            })))
        }
    }

    @Test func replaysOneHundredThousandSeriesTimesTwoHours() async throws {
        let dir = try DataDirectory()
        let (head, report) = try await offCooperativePool { () throws -> (Head, ReplayReport) in
            try Self.writeLog(dir)
            let head = try Head(directory: dir.path)
            return (head, try head.replayWAL())
        }
        #expect(report.series == Self.seriesCount)
        #expect(report.samples == Self.seriesCount * Self.scrapes)
        #expect(report.corruptions.isEmpty && report.skippedSamples == 0 && report.unknownReferenceSamples == 0)
        #expect(head.stats.series == Self.seriesCount)
        #expect(head.stats.minTime == Self.start)
        #expect(head.stats.maxTime == Self.start + Timestamp(Self.scrapes - 1) * Self.interval)
        for i in [0, 1, 4_999, 77_777, Self.seriesCount - 1] {
            let matcher = try LabelMatcher(.equal, "series", "\(i)")
            let set = try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: [matcher]).collect()
            #expect(set.map(\.labels) == [Self.labels(i)])
            let it = set[0].makeIterator()
            var samples: [RawSample] = []
            while it.next() { samples.append(RawSample(it.timestamp, it.value)) }
            #expect(samples == (0..<Self.scrapes).map { RawSample(Self.start + Timestamp($0) * Self.interval, Self.value(i, $0)) })
        }
        // The replay wrote every closed chunk to chunks_head; a restart takes them from there and
        // reads only the open chunks' samples from the log, with the same result.
        let (restarted, again, same) = try await offCooperativePool { () throws -> (Head, ReplayReport, Bool) in
            let before = try contents(head)
            try head.close()
            let restarted = try Head(directory: dir.path)
            let again = try restarted.replayWAL()
            return (restarted, again, try contents(restarted) == before)
        }
        #expect(again.mappedChunks >= Self.seriesCount && again.chunkFileCorruptions.isEmpty)
        #expect(again.samples + again.samplesInMappedChunks == Self.seriesCount * Self.scrapes)
        #expect(restarted.stats == head.stats)
        #expect(same)
    }
}
