import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// A data directory on a tiny tmpfs that fills up: writes fail with a clear error, nothing
/// acknowledged is lost, nothing half-written becomes visible, and the store recovers once space
/// is freed. Needs root for `mount` (the CI machine runs as root).
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct FullDiskTests {
    /// A 4 MiB tmpfs mounted on a fresh directory; unmounted and removed at deinit.
    final class TinyFilesystem {
        let path = NSTemporaryDirectory() + "ember-full-disk-" + UUID().uuidString
        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let mount = Process()
            mount.executableURL = URL(fileURLWithPath: "/bin/mount")
            mount.arguments = ["-t", "tmpfs", "-o", "size=4m", "tmpfs", path]
            try mount.run()
            mount.waitUntilExit()
            guard mount.terminationStatus == 0 else { throw TestFailure("mount tmpfs on \(path) failed") }
        }
        deinit {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [path]
            try? umount.run()
            umount.waitUntilExit()
            try? FileManager.default.removeItem(atPath: path)
        }
        /// Fills the free space with a ballast file; returns its path.
        func fill() throws -> String {
            let ballast = path + "/ballast"
            FileManager.default.createFile(atPath: ballast, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ballast))
            defer { try? handle.close() }
            let block = Data(repeating: 0xAB, count: 64 << 10)
            while (try? handle.write(contentsOf: block)) != nil {}
            return ballast
        }
    }

    struct TestFailure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    @Test func appendsFailCleanlyWhenTheDiskIsFullAndResumeWhenSpaceIsFreed() throws {
        let disk = try TinyFilesystem()
        let data = disk.path + "/data"
        var options = databaseOptions(blockRange: 60_000)
        options.head.walSegmentSize = 1 << 20
        var acknowledged: [Labels: [RawSample]] = [:]
        var failure: AppendError?
        do {
            let db = try Database.open(directory: data, options: options)
            let ballast = try disk.fill()
            // Write until a commit is refused; everything acknowledged before stays readable.
            var t: Timestamp = 0
            for _ in 0..<10_000 {
                let app = db.appender()
                var batch: [Labels: RawSample] = [:]
                for i in 0..<50 {
                    let labels = metric("full_disk", ["i": "\(i)"])
                    try app.append(0, labels, t, Double(t))
                    batch[labels] = RawSample(t, Double(t))
                }
                do {
                    try app.commit()
                } catch {
                    failure = error
                    break
                }
                for (labels, sample) in batch { acknowledged[labels, default: []].append(sample) }
                t += 1000
            }
            let refused = try #require(failure)
            #expect("\(refused)".contains("No space left on device"), "\(refused)")
            #expect(db.head.stats.walWriteFailures >= 1)
            #expect(try everything(db) == acknowledged)
            // Still full: the next batch is refused too, and the store is unchanged.
            let again = db.appender()
            try again.append(0, metric("full_disk", ["i": "0"]), t, 1)
            #expect(throws: AppendError.self) { try again.commit() }
            #expect(try everything(db) == acknowledged)
            // Space comes back: appends resume.
            try FileManager.default.removeItem(atPath: ballast)
            let app = db.appender()
            for i in 0..<50 {
                let labels = metric("full_disk", ["i": "\(i)"])
                try app.append(0, labels, t, 1)
                acknowledged[labels, default: []].append(RawSample(t, 1))
            }
            try app.commit()
            #expect(try everything(db) == acknowledged)
            try db.close()
        }
        // After a restart every acknowledged sample is there (a torn WAL tail is cut and logged).
        let reopened = try Database.open(directory: data, options: options)
        #expect(try everything(reopened) == acknowledged)
        try reopened.close()
    }

    @Test func aBlockThatCannotBeWrittenLeavesNothingBehind() throws {
        let disk = try TinyFilesystem()
        let data = disk.path + "/data"
        var options = databaseOptions(blockRange: 1000)
        options.head.walSegmentSize = 1 << 20
        let db = try Database.open(directory: data, options: options)
        let expected = try fill(db, series: 20, from: 0, to: 3000, step: 100)
        let ballast = try disk.fill()
        #expect(throws: BlockError.self) { try db.compact() }
        #expect(db.stats.compactionsFailed == 1)
        #expect(db.blocks.isEmpty)
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: data)).contains { $0.hasSuffix(".tmp") })
        #expect(try everything(db) == expected)
        try FileManager.default.removeItem(atPath: ballast)
        #expect(try db.compact() == 2)
        #expect(db.blocks.map(\.meta.minTime) == [0, 1000])
        #expect(try everything(db) == expected)
        try db.close()
    }
}
