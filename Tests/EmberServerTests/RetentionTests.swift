import Foundation
import Logging
import MetricModel
import Testing
import TSDB
@testable import EmberServer

@Suite struct RetentionTests {
    @Test func sizeLimitDefaultsTo80PercentOfASmallFilesystemOnlyWithoutRetentionFlags() {
        var options = ServerOptions()
        #expect(options.effectiveRetentionSize(filesystemBytes: 5 << 30) == 4_294_967_296)
        #expect(options.effectiveRetentionSize(filesystemBytes: 10 << 30) == 0)
        #expect(options.effectiveRetentionSize(filesystemBytes: nil) == 0)
        #expect(options.retentionSummary(sizeLimit: 4 << 30) == "retention.time=15d retention.size=4GiB")
        #expect(options.retentionSummary(sizeLimit: 0) == "retention.time=15d retention.size=0B")
        options.retentionTime = 86_400_000
        #expect(options.effectiveRetentionSize(filesystemBytes: 5 << 30) == 0)
        options.retentionTime = 0
        options.retentionSize = 512 << 20
        #expect(options.effectiveRetentionSize(filesystemBytes: 5 << 30) == 512 << 20)
        #expect(options.effectiveRetentionSize(filesystemBytes: 50 << 30) == 512 << 20)
        #expect(filesystemSize(of: NSTemporaryDirectory())! > 0)
        #expect(filesystemSize(of: "/no/such/dir") == nil)
    }

    @Test func maintenanceBringsTheWALUnderATinyLimitWhenNoBlockIsLeft() throws {
        let directory = try TemporaryDirectory()
        var options = Database.Options()
        options.head.walSegmentSize = 256
        let database = try Database.open(directory: directory.path, options: options)
        let head = database.head
        let labels = Labels(["__name__": "up", "job": "a"])
        for t in 0..<400 as Range<Int64> {
            let app = head.appender()
            _ = try app.append(0, labels, 1_000_000 + t * 1000, 1)
            try app.commit()
        }
        #expect(head.diskUsage() > 4000)
        let service = StorageMaintenanceService(database: database, retention: ServerOptions.defaultRetention, sizeLimit: 1500,
                                       logger: Logger(label: "test"))
        service.enforce()
        #expect(head.diskUsage() <= 1500)
        #expect(head.stats.maxTime == 1_399_000)
        #expect(head.stats.minTime > 1_000_000)
        try head.close()
    }
}
