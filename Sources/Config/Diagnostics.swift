/// One problem (or warning) found in a configuration file.
///
/// Contract: `line` and `column` are 1-based and always refer to the file as written (before
/// `${VAR}` expansion). `line == 0` means the problem concerns the whole file (for example it could
/// not be read); its description is then `FILE: message`. Otherwise `description` is
/// `FILE:LINE: message`, the form Ember prints and tests compare against.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int = 1, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}

/// Every error found while loading a configuration, in file order (by line, then column).
///
/// Contract: thrown only with at least one error. The loader does not stop at the first problem:
/// all independent problems of the file are reported at once. `description` is one diagnostic per
/// line.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ConfigDiagnostic]

    public init(errors: [ConfigDiagnostic]) {
        self.errors = errors
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
