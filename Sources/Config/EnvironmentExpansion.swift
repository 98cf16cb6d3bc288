/// Expansion of `${NAME}` and `${NAME:-default}` in a configuration file's raw text.
///
/// Contract:
/// - `${NAME}` with NAME matching `[A-Za-z_][A-Za-z0-9_]*` is replaced by the variable's value; an
///   unset variable is an error (`environment variable "NAME" is not set (use ${NAME:-default} for
///   a default)`). A variable set to the empty string expands to the empty string.
/// - `${NAME:-default}` is replaced by the value when the variable is set and non-empty, otherwise
///   by `default` (taken literally, up to the first `}`; it is not expanded itself).
/// - `$$` is a literal `$` (so `$${NAME}` yields the text `${NAME}`).
/// - Everything else is left alone: `$1`, `$name`, `${1}`, `${1:-x}` (the name must not start with a
///   digit, so regex group references in relabel rules survive), `${not-a-name}`, an unclosed `${`.
///   A relabel `replacement` that refers to a *named* capture group as `${group}` must be written
///   `$${group}`, because `${group}` is indistinguishable from an environment variable.
/// - Lines whose first non-blank character is `#` are copied unchanged.
/// - `lineMap[i]` is the original 1-based line of line `i + 1` of the expanded text, so
///   diagnostics can name the line as written even when a value contains newlines.
struct EnvironmentExpansion {
    /// Follows a `$` that came from `$$` (a Unicode noncharacter, never meaningful in a config).
    static let literalDollarMarker = Unicode.Scalar(0xFDD0)!

    var text: String
    var lineMap: [Int]
    var errors: [(line: Int, column: Int, message: String)]

    init(_ source: String, environment: [String: String]) {
        var output = ""
        output.reserveCapacity(source.utf8.count)
        var lineMap: [Int] = []
        var errors: [(line: Int, column: Int, message: String)] = []
        var lineNumber = 0
        // Split on \n only, keeping the terminators, so the text round-trips exactly.
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" && !source.isEmpty { lines.removeLast() }
        for (index, line) in lines.enumerated() {
            lineNumber += 1
            let isLast = index == lines.count - 1
            let terminator = (isLast && !source.hasSuffix("\n")) ? "" : "\n"
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            let expanded: String
            if trimmed.first == "#" {
                expanded = String(line)
            } else {
                expanded = Self.expandLine(Array(line.unicodeScalars), environment: environment) { column, message in
                    errors.append((lineNumber, column, message))
                }
            }
            output += expanded
            output += terminator
            let newlines = expanded.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            for _ in 0...newlines { lineMap.append(lineNumber) }
        }
        if lineMap.isEmpty { lineMap.append(1) }
        self.text = output
        self.lineMap = lineMap
        self.errors = errors
    }

    private static func isNameStart(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_"
    }

    private static func isNameChar(_ s: Unicode.Scalar) -> Bool {
        isNameStart(s) || (s >= "0" && s <= "9")
    }

    private static func expandLine(
        _ scalars: [Unicode.Scalar], environment: [String: String],
        error: (Int, String) -> Void
    ) -> String {
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            guard c == "$", i + 1 < scalars.count else {
                out.append(c)
                i += 1
                continue
            }
            let next = scalars[i + 1]
            if next == "$" {
                // The marker keeps this `$` literal through Prometheus's later `$NAME` expansion of
                // external label values; `Walker.cleaned` removes it right after YAML parsing.
                out.append("$")
                out.append(EnvironmentExpansion.literalDollarMarker)
                i += 2
                continue
            }
            guard next == "{", i + 2 < scalars.count, isNameStart(scalars[i + 2]) else {
                out.append(c)
                i += 1
                continue
            }
            var j = i + 2
            while j < scalars.count, isNameChar(scalars[j]) { j += 1 }
            let name = String(String.UnicodeScalarView(scalars[(i + 2)..<j]))
            if j < scalars.count, scalars[j] == "}" {
                if let value = environment[name] {
                    out.append(contentsOf: value.unicodeScalars)
                } else {
                    error(i + 1, "environment variable \"\(name)\" is not set (use ${\(name):-default} for a default)")
                }
                i = j + 1
                continue
            }
            if j + 1 < scalars.count, scalars[j] == ":", scalars[j + 1] == "-",
               let close = scalars[(j + 2)...].firstIndex(of: "}") {
                if let value = environment[name], !value.isEmpty {
                    out.append(contentsOf: value.unicodeScalars)
                } else {
                    out.append(contentsOf: scalars[(j + 2)..<close])
                }
                i = close + 1
                continue
            }
            // Not a variable reference: keep the `$` and go on.
            out.append(c)
            i += 1
        }
        return String(out)
    }
}
