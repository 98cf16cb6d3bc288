import ArgumentParser
import Config
import Foundation

/// `ember check config FILE...`: validates like `promtool check config`; prints `FILE:LINE: message`
/// for each problem and exits 1 when any file is invalid.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check if the config files are valid or not.")

    @Argument(help: "The config files to check.")
    var files: [String]

    func run() async throws {
        var failed = false
        for file in files {
            print("Checking \(file)")
            do {
                let config = try PrometheusConfig.load(file: file)
                for warning in config.warnings { print("  WARNING: \(warning)") }
                print("  SUCCESS: \(file) is valid prometheus config file syntax")
            } catch {
                failed = true
                for problem in error.errors { printError("\(problem)") }
                printError("  FAILED: \(error.errors.count) problem\(error.errors.count == 1 ? "" : "s") in \(file)")
            }
            print("")
        }
        if failed { throw ExitCode(1) }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
