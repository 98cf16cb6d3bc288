import ArgumentParser
import PromQLTest

/// `ember promqltest DIR...`: runs Prometheus's PromQL test corpus (`.test` files) against Ember's
/// engine in-process; prints one line per failing case (with `--per-file`, one line per file too)
/// and a summary; exits 1 if any case fails.
struct PromQLTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promqltest",
        abstract: "Run PromQL test scripts (.test files) against the engine.")

    @Argument(help: "Directories of .test files, or single .test files.")
    var paths: [String]

    @Flag(help: "Also print passed, failed and skipped counts for every file.")
    var perFile = false

    func run() async throws {
        let report = await CorpusRunner().run(paths: paths)
        print(report.render(perFile: perFile))
        if report.failed > 0 { throw ExitCode(1) }
    }
}
