import Foundation
import Logging
import MetricModel
import Testing
@testable import TSDB

/// ULIDs and finding block directories.
@Suite struct BlockDirectoryTests {
    @Test func ulidShapeAndTime() {
        var rng = SplitMix64(seed: 1)
        for now in [0, 1, 1_700_000_000_000, 0xFFFF_FFFF_FFFF] as [Int64] {
            let ulid = BlockDirectory.newULID(now: now, using: &rng)
            #expect(ulid.count == 26)
            #expect(BlockDirectory.isULID(ulid), "\(ulid)")
            #expect(BlockDirectory.time(ofULID: ulid) == now)
        }
        #expect(BlockDirectory.newULID(now: 0, using: &rng).hasPrefix("0000000000"))
        #expect(BlockDirectory.newULID(now: 0xFFFF_FFFF_FFFF, using: &rng).hasPrefix("7ZZZZZZZZZ"))
        // The spec's example: 1469918176385 ms is 01ARYZ6S41.
        #expect(BlockDirectory.newULID(now: 1_469_918_176_385, using: &rng).hasPrefix("01ARYZ6S41"))
    }

    @Test func ulidsSortByTime() {
        var rng = SplitMix64(seed: 2)
        let times = (0..<200).map { Int64($0) * 7919 + 1_600_000_000_000 }
        let ulids = times.map { BlockDirectory.newULID(now: $0, using: &rng) }
        #expect(ulids == ulids.sorted())
        #expect(Set((0..<100).map { _ in BlockDirectory.newULID() }).count == 100)
    }

    @Test func rejectsNonULIDs() {
        for name in ["", "01ARYZ6S41TSV4RRFFQ69G5FA", "01ARYZ6S41TSV4RRFFQ69G5FAVX", "81ARYZ6S41TSV4RRFFQ69G5FAV",
                     "01ARYZ6S41TSV4RRFFQ69G5FAU", "01aryz6s41tsv4rrffq69g5fav", "01ARYZ6S41TSV4RRFFQ69G5FAV.tmp"] {
            #expect(!BlockDirectory.isULID(name), "\(name)")
        }
        #expect(BlockDirectory.isULID("01ARYZ6S41TSV4RRFFQ69G5FAV"))
    }

    @Test func listFindsBlocksAndRemovesLeftoverTemporaries() throws {
        let dir = try BlockTestDirectory()
        let series = [BlockSeries(labels: Labels(["a": "b"]), chunks: blockChunks([RawSample(5, 1)]))]
        let first = try BlockWriter.write(parent: dir.path, ulid: "01ARYZ6S41TSV4RRFFQ69G5FAV", minTime: 0, maxTime: 10,
                                          level: 1, sources: nil, series: series, segmentSize: 1 << 20)
        let second = try BlockWriter.write(parent: dir.path, ulid: "01BX5ZZKBKACTAV9WEVGEMMVRZ", minTime: 0, maxTime: 10,
                                           level: 1, sources: nil, series: series, segmentSize: 1 << 20)
        // A crash mid-write leaves a complete-looking block under a .tmp name: it must never be opened.
        try FileManager.default.copyItem(atPath: dir.path + "/" + second.ulid, toPath: dir.path + "/01BX5ZZKBKACTAV9WEVGEMMVS0.tmp")
        try FileManager.default.createDirectory(atPath: dir.path + "/wal", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path + "/not-a-block", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.path + "/01BX5ZZKBKACTAV9WEVGEMMVS1", contents: Data())  // a file, not a directory
        let log = CapturedLog()
        let blocks = try BlockDirectory.list(parent: dir.path, logger: log.logger)
        #expect(blocks == [dir.path + "/" + first.ulid, dir.path + "/" + second.ulid])
        #expect(try dir.entries() == [first.ulid, "01BX5ZZKBKACTAV9WEVGEMMVS1", second.ulid, "not-a-block", "wal"].sorted())
        #expect(log.all.map(\.message) == ["Removing a block directory left over from an unfinished write"])
        #expect(log.all.first?.metadata["dir"] == dir.path + "/01BX5ZZKBKACTAV9WEVGEMMVS0.tmp")
        #expect(log.all.first?.level == .warning)
        #expect(try BlockDirectory.list(parent: dir.path + "/missing") == [])
    }

    @Test func writeReplacesAStaleTemporaryOfTheSameName() throws {
        let dir = try BlockTestDirectory()
        let ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV"
        try FileManager.default.createDirectory(atPath: dir.path + "/\(ulid).tmp/chunks", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.path + "/\(ulid).tmp/chunks/000001", contents: Data([1, 2, 3]))
        _ = try BlockWriter.write(parent: dir.path, ulid: ulid, minTime: 0, maxTime: 10, level: 1, sources: nil,
                                  series: [BlockSeries(labels: Labels(["a": "b"]), chunks: blockChunks([RawSample(5, 1)]))],
                                  segmentSize: 1 << 20)
        #expect(try dir.entries() == [ulid])
        _ = try Block.open(dir.path + "/" + ulid)
    }
}
