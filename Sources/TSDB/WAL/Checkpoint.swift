/// Names and writing of checkpoints: `<wal>/checkpoint.NNNNNNNN/` holds, in segment files framed
/// like the log's, the records that replace segments 0…NNNNNNNN (docs/format/wal.md).
///
/// Contract: `write` leaves either the complete checkpoint directory (files and directory
/// fsynced, then atomically renamed into place) or nothing under its final name; a crash midway
/// leaves a `.tmp` directory that the next replay deletes.
enum Checkpoint {
    static let prefix = "checkpoint."
    /// Series per record, so a checkpoint of millions of series is not one giant record.
    static let seriesPerRecord = 10_000

    static func name(_ last: Int) -> String { prefix + WriteAheadLog.segmentName(last) }

    /// The segment number a file name denotes: exactly eight decimal digits.
    static func segmentNumber(_ name: String) -> Int? {
        name.utf8.count == 8 && name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) ? Int(name) : nil
    }

    /// The last segment a checkpoint directory name covers, or nil for any other name.
    static func number(_ name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        return segmentNumber(String(name.dropFirst(prefix.count)))
    }

    /// Writes `checkpoint.<last>` in `walDirectory` holding `series` and `samples`.
    static func write(walDirectory: String, last: Int, series: [WALRecord.SeriesEntry],
                      samples: [WALSample] = []) throws(WALError) {
        let final = walDirectory + "/" + name(last)
        let temporary = final + ".tmp"
        try WALFiles.remove(temporary)
        try WALFiles.makeDirectories(temporary)
        let file = try AppendOnlyFile(path: temporary + "/" + WriteAheadLog.segmentName(0))
        var start = 0
        while start < series.count {
            let end = min(start + seriesPerRecord, series.count)
            try file.append(WALFrame.encode(.series(Array(series[start..<end]))))
            start = end
        }
        if !samples.isEmpty { try file.append(WALFrame.encode(.samples(samples))) }
        try file.sync()
        try WALFiles.syncDirectory(temporary)
        if WALFiles.isDirectory(final) { try WALFiles.remove(final) }
        try WALFiles.rename(temporary, final)
        try WALFiles.syncDirectory(walDirectory)
    }
}
