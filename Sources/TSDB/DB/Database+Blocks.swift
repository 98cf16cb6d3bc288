import Foundation
import MetricModel

extension Database {
    /// Opens the block directories under `directory`, oldest first, after removing leftovers:
    /// `*.tmp` directories of interrupted writes or deletions, and blocks that a compacted block
    /// already contains. A block that fails to open is renamed `<ulid>.corrupted` and logged.
    func openBlocks() throws -> [Block] {
        let fm = FileManager.default
        var blocks: [Block] = []
        for name in try fm.contentsOfDirectory(atPath: directory).sorted() {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            if name.hasSuffix(".tmp") || name.hasSuffix(".tmp-for-deletion") {
                try? fm.removeItem(atPath: path)
                logger?.info("removed an unfinished block directory", metadata: ["dir": "\(path)"])
                continue
            }
            guard BlockDirectory.isULID(name) else { continue }
            do {
                blocks.append(try Block.open(path))
            } catch {
                record { $0.corruptedBlocks += 1 }
                let aside = path + ".corrupted"
                try? fm.removeItem(atPath: aside)
                try? fm.moveItem(atPath: path, toPath: aside)
                logger?.error("block cannot be read, moved aside and skipped", metadata: [
                    "dir": "\(path)", "moved_to": "\(aside)", "err": "\(error)"])
            }
        }
        // A compacted block lists every level-1 block it holds in `sources`: any other block whose
        // sources it covers was a parent whose deletion a crash interrupted.
        let merged = blocks.filter { candidate in
            blocks.contains { other in
                other !== candidate && other.meta.compaction.level > candidate.meta.compaction.level
                    && Set(candidate.meta.compaction.sources).isSubset(of: Set(other.meta.compaction.sources))
            }
        }
        if !merged.isEmpty {
            removeDirectories(of: merged, reason: "already compacted into another block")
            blocks.removeAll { block in merged.contains { $0 === block } }
        }
        return Self.sortedBlocks(blocks)
    }

    static func sortedBlocks(_ blocks: [Block]) -> [Block] {
        blocks.sorted { ($0.meta.minTime, $0.meta.ulid) < ($1.meta.minTime, $1.meta.ulid) }
    }

    /// Makes `blocks` invisible at once (rename to `*.tmp-for-deletion`), then deletes their files.
    /// Queriers still reading one keep its memory map until they are done.
    func removeDirectories(of blocks: [Block], reason: String) {
        let fm = FileManager.default
        for block in blocks {
            let doomed = block.directory + ".tmp-for-deletion"
            do {
                try fm.moveItem(atPath: block.directory, toPath: doomed)
                try fm.removeItem(atPath: doomed)
                logger?.info("deleted block", metadata: [
                    "ulid": "\(block.meta.ulid)", "mint": "\(block.meta.minTime)", "maxt": "\(block.meta.maxTime)",
                    "reason": "\(reason)"])
            } catch {
                logger?.error("deleting block failed", metadata: ["dir": "\(block.directory)", "err": "\(error)"])
            }
        }
    }

    /// Deletes block directories that were never opened (a compaction output found unusable).
    func removeDirectories(of blocks: [Block], paths: [String]) {
        for path in paths {
            try? FileManager.default.moveItem(atPath: path, toPath: path + ".tmp-for-deletion")
            try? FileManager.default.removeItem(atPath: path + ".tmp-for-deletion")
        }
    }

    /// Takes `old` out of the open blocks and adds `new` ones, atomically for queriers.
    func swapBlocks(removing old: [Block], adding new: [Block]) {
        loaded.withLock { blocks in
            blocks.removeAll { block in old.contains { $0 === block } }
            blocks = Self.sortedBlocks(blocks + new)
        }
    }
}
