import Foundation
import Logging
import MetricModel
import Testing
import TSDB
@testable import EmberServer

/// What the server does to the store right after the WAL is replayed: retention at once, block
/// merging only at the first regular round (as Prometheus waits its first minute), head
/// compaction at once when the head spans too long.
@Suite struct StartupMaintenanceTests {
    /// A data directory with four 1 s blocks over [0, 4000) of two series (1 s block range, so
    /// the second compaction range is 3 s and [1000, 3000) is due for merging).
    private func blocksDirectory() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let scratch = try TemporaryDirectory()
        let source = try Database.open(directory: scratch.path, options: options())
        for t in stride(from: Int64(0), to: 4000, by: 100) {
            let app = source.appender()
            for i in 0..<2 { _ = try app.append(0, Labels(["__name__": "m", "i": "\(i)"]), t, Double(t)) }
            try app.commit()
        }
        for start in stride(from: Int64(0), to: 4000, by: 1000) {
            _ = try BlockWriter.write(parent: directory.path, minTime: start, maxTime: start + 1000, level: 1, sources: nil,
                                      series: source.head.blockSeries(mint: start, maxt: start + 1000))
        }
        try source.close()
        withExtendedLifetime(scratch) {}
        return directory
    }

    private func options() -> Database.Options {
        var options = Database.Options()
        options.blockRange = 1000
        options.maxBlockDuration = 9000
        return options
    }

    @Test func retentionAppliesAtOnceButBlocksMergeOnlyInTheRegularRound() throws {
        let directory = try blocksDirectory()
        let database = try Database.open(directory: directory.path, options: options())
        #expect(database.blocks.map(\.meta.minTime) == [0, 1000, 2000, 3000])
        // Newest sample 3900: 2500 ms of retention keep [1400, ...], so the block [0, 1000) goes.
        let service = StorageMaintenanceService(database: database, retention: 2500, logger: Logger(label: "test"))
        service.afterReplay()
        #expect(database.blocks.map(\.meta.minTime) == [1000, 2000, 3000])
        #expect(database.blocks.allSatisfy { $0.meta.compaction.level == 1 })
        service.enforce()
        #expect(database.blocks.map(\.meta.minTime) == [1000, 3000])
        #expect(database.blocks.map(\.meta.compaction.level) == [2, 1])
        try database.close()
    }

    @Test func aHeadThatSpansTooLongIsCompactedAtOnce() throws {
        let directory = try TemporaryDirectory()
        let database = try Database.open(directory: directory.path, options: options())
        for t in stride(from: Int64(0), through: 2000, by: 100) {
            let app = database.appender()
            _ = try app.append(0, Labels(["__name__": "m"]), t, 1)
            try app.commit()
        }
        #expect(database.headNeedsCompaction && database.blocks.isEmpty)
        StorageMaintenanceService(database: database, retention: 0, logger: Logger(label: "test")).afterReplay()
        #expect(!database.headNeedsCompaction)
        #expect(database.blocks.map(\.meta.minTime) == [0])
        try database.close()
    }
}
