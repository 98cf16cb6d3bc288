import ArgumentParser
import Foundation
import MetricModel
import TSDBTool

/// `ember tsdb ...`, like `promtool tsdb ...`.
struct TSDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsdb", abstract: "Run tsdb commands.",
        subcommands: [List.self, Analyze.self, CreateBlocksFrom.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tsdb blocks.")
        @Flag(name: [.customShort("r"), .customLong("human-readable")], help: "Print human readable values.")
        var humanReadable = false
        @Argument(help: "Database path (default is data/).")
        var dbPath = "data/"

        func run() throws {
            print(BlockReport.list(try BlockReport.blocks(in: dbPath), humanReadable: humanReadable), terminator: "")
        }
    }

    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Analyze churn, label pair cardinality and compaction efficiency.")
        @Option(help: "How many items to show in each list.")
        var limit = 20
        @Argument(help: "Database path (default is data/).")
        var dbPath = "data/"
        @Argument(help: "Block id to analyze (default is the last block).")
        var blockID: String?

        func run() throws {
            let blocks = try BlockReport.blocks(in: dbPath)
            let chosen = blockID.map { id in blocks.first { $0.meta.ulid == id } } ?? blocks.last
            guard let block = chosen else {
                throw ValidationError(blockID.map { "block \($0) not found in \(dbPath)" } ?? "no blocks found in \(dbPath)")
            }
            print(try BlockReport.analyze(block, limit: limit))
        }
    }

    struct CreateBlocksFrom: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-blocks-from", abstract: "Create blocks of data for new recordings.",
            subcommands: [OpenMetrics.self])
    }

    struct OpenMetrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openmetrics", abstract: "Import samples from OpenMetrics input and produce TSDB blocks.")
        @Option(name: .customLong("max-block-duration"), help: "Maximum duration created blocks may span (default 2h).")
        var maxBlockDuration = "2h"
        @Argument(help: "OpenMetrics file to read samples from.")
        var inputFile: String
        @Argument(help: "Output directory for generated blocks.")
        var outputDirectory = "data/"

        func run() throws {
            let input: [UInt8]
            do { input = try Backfill.readInput(path: inputFile) } catch { throw ValidationError("\(error)") }
            guard let duration = try? PrometheusDuration.parse(maxBlockDuration), duration > 0 else {
                throw ValidationError("--max-block-duration: invalid duration \"\(maxBlockDuration)\"")
            }
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
            var backfill = Backfill(input: input, outputDirectory: outputDirectory)
            backfill.blockDuration = duration
            backfill.progress = { print($0) }
            do {
                let metas = try backfill.run()
                print("wrote \(metas.count) block(s) to \(outputDirectory)")
            } catch {
                throw ValidationError("\(inputFile): \(error)")
            }
        }
    }
}
