import MetricModel

/// One parsed `.test` file: its commands in file order.
///
/// Contract: built by `TestScript.parse(_:file:)`; a malformed file throws `ScriptError` naming the
/// file and line. Parsing never evaluates anything.
public struct TestScript: Sendable {
    public var file: String
    public var commands: [Command]

    /// A command of the test language (FORMAT.md §1).
    public enum Command: Sendable {
        case clear
        case load(LoadCommand)
        case eval(EvalCase)
    }

    public init(file: String, commands: [Command]) {
        self.file = file
        self.commands = commands
    }
}

/// A malformed test file.
public struct ScriptError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// One loaded series: its labels and samples. Histogram and start-timestamp positions are recorded
/// only as facts (`hasHistograms`, `hasStartTimestamps`), since Ember stores floats only.
public struct LoadedSeries: Sendable {
    public var labels: Labels
    public var samples: [(Timestamp, Double)]
    public var hasHistograms: Bool
    public var hasStartTimestamps: Bool
}

/// `load <interval>` / `load_with_nhcb <interval>`.
public struct LoadCommand: Sendable {
    public var line: Int
    public var interval: Int64
    public var withNHCB: Bool
    public var series: [LoadedSeries]
}

/// One expected result line of an `eval`.
public struct ExpectedSeries: Sendable {
    public var labels: Labels
    /// One entry per position: nil for `_`, a float otherwise.
    public var values: [Double?]
    public var hasHistograms: Bool
}

/// What an `expect warn|info|fail ...` line requires of a message.
public enum MessageCheck: Sendable {
    case any
    case exact(String)
    case regex(String)
}

/// One `eval` command (FORMAT.md §7, §8).
public struct EvalCase: Sendable {
    public enum Mode: Sendable, Equatable {
        case instant(Timestamp)
        case range(start: Timestamp, end: Timestamp, step: Int64)
    }

    public var line: Int
    public var query: String
    public var mode: Mode
    public var expectFail: MessageCheck?
    public var expectWarn: [MessageCheck] = []
    public var expectInfo: [MessageCheck] = []
    public var noWarn = false
    public var noInfo = false
    public var ordered = false
    /// `expect range vector from .. to .. step ..` (instant queries returning a matrix).
    public var rangeVector: (start: Timestamp, end: Timestamp, step: Int64)?
    public var expectString: String?
    public var scalar: Double?
    public var series: [ExpectedSeries] = []
    /// Whether any line asked for an annotation to be present (`eval_warn`, `eval_info` included).
    public var requireWarn = false
    public var requireInfo = false
}
