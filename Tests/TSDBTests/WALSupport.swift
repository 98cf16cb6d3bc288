import Foundation
import Logging
import MetricModel
import Storage
import Synchronization
@testable import TSDB

/// A temporary data directory, removed at deinit.
final class DataDirectory: @unchecked Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "ember-wal-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    var wal: String { path + "/wal" }
    func segment(_ number: Int) -> String { wal + "/" + WriteAheadLog.segmentName(number) }
    /// Names in the WAL directory, sorted.
    func walEntries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: wal).sorted() }
    func size(_ file: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: file)[.size] as! NSNumber).intValue }
    /// A copy of this directory's contents in a new temporary directory.
    func copy() throws -> DataDirectory {
        let other = try DataDirectory()
        try FileManager.default.removeItem(atPath: other.path)
        try FileManager.default.copyItem(atPath: path, toPath: other.path)
        return other
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Log lines captured for assertions: level, message and metadata rendered as strings.
final class CapturedLog: Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }
    let lines = Mutex<[Line]>([])
    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }
    var all: [Line] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let rendered = (event.metadata ?? [:]).mapValues { "\($0)" }
            log.lines.withLock { $0.append(Line(level: event.level, message: "\(event.message)", metadata: rendered)) }
        }
    }
}

func walOptions(segmentSize: Int = 128 << 20, samplesPerChunk: Int = 120) -> Head.Options {
    var options = Head.Options()
    options.walSegmentSize = segmentSize
    options.samplesPerChunk = samplesPerChunk
    return options
}

func metric(_ name: String, _ pairs: [String: String] = [:]) -> Labels {
    var all = pairs
    all["__name__"] = name
    return Labels(all)
}

/// Every series with all its samples, compared bit-exactly.
func contents(_ head: Head, mint: Timestamp = .min, maxt: Timestamp = .max) throws -> [Labels: [RawSample]] {
    var out: [Labels: [RawSample]] = [:]
    for series in try head.querier(mint: mint, maxt: maxt).select(sorted: false, hints: nil, matchers: []).collect() {
        let it = series.makeIterator()
        var samples: [RawSample] = []
        while it.next() { samples.append(RawSample(it.timestamp, it.value)) }
        out[series.labels] = samples
    }
    return out
}

/// Commits one batch; returns the references.
@discardableResult
func commit(_ head: Head, _ samples: [(Labels, Timestamp, Double)]) throws -> [SeriesRef] {
    let app = head.appender()
    var refs: [SeriesRef] = []
    for (labels, t, v) in samples { refs.append(try app.append(0, labels, t, v)) }
    try app.commit()
    return refs
}

/// The byte offsets at which the records of a segment file start, and its length.
func recordOffsets(_ path: String) throws -> (offsets: [Int], length: Int) {
    let bytes = try WALFiles.read(path)
    var offsets: [Int] = []
    let end = WALFrame.scan(bytes) { _, offset in offsets.append(offset) }
    precondition(end.problem == nil, "\(path): \(end.problem!)")
    return (offsets, bytes.count)
}
