import Foundation
import MetricModel
import Storage
import TSDB

/// Text reports over the blocks of a data directory, like `promtool tsdb list` and `analyze`.
///
/// Contract: `list` prints one row per block, oldest first, with promtool's columns; `analyze`
/// summarises one block's cardinality (series, label pairs, the label names with the most
/// values, the metric names with the most series). Both only read.
public enum BlockReport {
    /// The block directories under `directory`, opened, oldest first.
    public static func blocks(in directory: String) throws -> [Block] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter(BlockDirectory.isULID)
        return try names.map { try Block.open(directory + "/" + $0) }
            .sorted { ($0.meta.minTime, $0.meta.ulid) < ($1.meta.minTime, $1.meta.ulid) }
    }

    /// promtool's table: ULID, min and max time (ms, or RFC 3339 with `humanReadable`), duration,
    /// samples, chunks, series, size.
    public static func list(_ blocks: [Block], humanReadable: Bool) -> String {
        var rows = [["BLOCK ULID", "MIN TIME", "MAX TIME", "DURATION", "NUM SAMPLES", "NUM CHUNKS", "NUM SERIES", "SIZE"]]
        for block in blocks {
            let meta = block.meta
            let time: (Int64) -> String = { humanReadable ? rfc3339($0) : "\($0)" }
            rows.append([meta.ulid, time(meta.minTime), time(meta.maxTime), duration(meta.maxTime - meta.minTime),
                         "\(meta.stats.numSamples)", "\(meta.stats.numChunks)", "\(meta.stats.numSeries)",
                         humanReadable ? bytes(block.sizeOnDisk) : "\(block.sizeOnDisk)"])
        }
        return table(rows)
    }

    /// A cardinality summary of one block, `limit` entries per list.
    public static func analyze(_ block: Block, limit: Int = 20) throws -> String {
        let querier = try block.querier(mint: block.meta.minTime, maxt: block.meta.maxTime)
        let all = try LabelMatcher(.regexMatch, Labels.metricName, ".+")
        var seriesByName: [String: Int] = [:]
        var valuesByLabel: [String: Set<String>] = [:]
        var pairs = Set<Label>()
        var seriesCount = 0
        let set = try querier.select(sorted: false, hints: SelectHints(start: block.meta.minTime, end: block.meta.maxTime, labelsOnly: true), matchers: [all])
        while let series = try set.next() {
            seriesCount += 1
            for label in series.labels {
                pairs.insert(label)
                valuesByLabel[label.name, default: []].insert(label.value)
                if label.name == Labels.metricName { seriesByName[label.value, default: 0] += 1 }
            }
        }
        func top(_ counts: [String: Int]) -> String {
            counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map { "\($0.value) \($0.key)" }.joined(separator: "\n")
        }
        let meta = block.meta
        return """
        Block ID: \(meta.ulid)
        Duration: \(duration(meta.maxTime - meta.minTime))
        Samples: \(meta.stats.numSamples), chunks: \(meta.stats.numChunks), size: \(block.sizeOnDisk) bytes
        Bytes per sample: \(meta.stats.numSamples > 0 ? String(format: "%.3f", Double(block.sizeOnDisk) / Double(meta.stats.numSamples)) : "-")
        Total Series: \(seriesCount)
        Label names: \(valuesByLabel.count)
        Postings (unique label pairs): \(pairs.count)

        Highest cardinality labels:
        \(top(valuesByLabel.mapValues(\.count)))

        Highest cardinality metric names:
        \(top(seriesByName))
        """
    }

    static func table(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    static func rfc3339(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// Go-style durations: "2h0m0s", "1m30s", "500ms".
    static func duration(_ ms: Int64) -> String {
        if ms < 1000 { return "\(ms)ms" }
        let seconds = ms / 1000, fraction = ms % 1000
        let h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60
        let secondsText = fraction == 0 ? "\(s)s" : "\(s).\(String(format: "%03d", fraction))s"
        if h > 0 { return "\(h)h\(m)m" + secondsText }
        if m > 0 { return "\(m)m" + secondsText }
        return secondsText
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
