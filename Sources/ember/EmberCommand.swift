import ArgumentParser
import MetricModel

/// The `ember` command: serves by default; `ember check config FILE...` validates configurations.
@main
struct EmberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ember",
        abstract: "A small Prometheus-compatible monitoring server.",
        version: "ember, version \(EmberVersion.string)",
        subcommands: [Serve.self, Check.self, TSDBCommand.self, PromQLTestCommand.self],
        defaultSubcommand: Serve.self)
}

/// `ember check ...`, like `promtool check ...`.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the resources for validity.",
        subcommands: [CheckConfig.self])
}
