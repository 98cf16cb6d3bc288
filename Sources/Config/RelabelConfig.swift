import MetricModel
import Yams

/// How label names are validated: Prometheus 3 defaults to `utf8` (any non-empty name);
/// `legacy` requires `[a-zA-Z_][a-zA-Z0-9_]*`.
public enum NameValidationScheme: String, Sendable, Equatable, CaseIterable {
    case utf8
    case legacy

    /// True when `name` is a valid label name under this scheme.
    public func isValidLabelName(_ name: String) -> Bool {
        switch self {
        case .utf8: return !name.isEmpty
        case .legacy: return isValidLegacyLabelName(name)
        }
    }
}

/// A relabel action, matched case-insensitively in the file and stored lower-case.
public enum RelabelAction: String, Sendable, Equatable, CaseIterable {
    case replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase
}

/// One relabel rule (`relabel_configs`, `metric_relabel_configs`, `alert_relabel_configs`,
/// `write_relabel_configs`).
///
/// Contract: defaults are Prometheus's (`separator ";"`, `regex "(.*)"`, `replacement "$1"`,
/// `action replace`). `regex` is the pattern as written; it is matched anchored, i.e. as
/// `^(?s:REGEX)$` (see `anchoredRegex`), and has been checked to compile. An explicit null
/// `regex:` is the empty pattern, as in Prometheus. Loaded rules satisfy every rule Prometheus's
/// `relabel.Config.Validate` checks for their action.
public struct RelabelConfig: Sendable, Equatable {
    public var sourceLabels: [String]
    public var separator: String
    public var targetLabel: String
    public var regex: String
    public var modulus: UInt64
    public var replacement: String
    public var action: RelabelAction

    public static let defaultRegex = "(.*)"
    public static let defaultReplacement = "$1"
    public static let defaultSeparator = ";"

    public init(
        sourceLabels: [String] = [], separator: String = RelabelConfig.defaultSeparator, targetLabel: String = "",
        regex: String = RelabelConfig.defaultRegex, modulus: UInt64 = 0,
        replacement: String = RelabelConfig.defaultReplacement, action: RelabelAction = .replace
    ) {
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.targetLabel = targetLabel
        self.regex = regex
        self.modulus = modulus
        self.replacement = replacement
        self.action = action
    }

    /// The pattern as Prometheus matches it (fully anchored, `.` matching newlines), in the syntax
    /// of Swift's `Regex` (RE2's one-letter classes `\pL` become `\p{L}`); `try Regex(anchoredRegex)`
    /// succeeds for every loaded rule.
    public var anchoredRegex: String { "^(?s:\(swiftRegexSyntax(regex)))$" }
}

/// Rewrites the RE2 constructs Swift's `Regex` reads differently, so that the pattern means what it
/// means in Prometheus: `\\pL`/`\\PL` become `\\p{L}`/`\\P{L}`; inside a bracket class a leading `]`,
/// a `[` that does not open `[:name:]`, and `&`/`~` (set operators in Swift) are escaped.
public func swiftRegexSyntax(_ pattern: String) -> String {
    let s = Array(pattern.unicodeScalars)
    var out = String.UnicodeScalarView()
    var i = 0
    var inClass = false
    while i < s.count {
        let c = s[i]
        if c == "\\", i + 1 < s.count {
            if (s[i + 1] == "p" || s[i + 1] == "P"), i + 2 < s.count, s[i + 2] != "{" {
                out.append(contentsOf: ["\\", s[i + 1], "{", s[i + 2], "}"])
                i += 3
            } else {
                out.append(c)
                out.append(s[i + 1])
                i += 2
            }
            continue
        }
        if !inClass {
            out.append(c)
            i += 1
            if c == "[" {
                inClass = true
                if i < s.count, s[i] == "^" { out.append("^"); i += 1 }
                if i < s.count, s[i] == "]" { out.append(contentsOf: ["\\", "]"]); i += 1 }
            }
            continue
        }
        switch c {
        case "]":
            inClass = false
            out.append(c)
        case "[":
            if i + 1 < s.count, s[i + 1] == ":",
               let close = (i + 2 < s.count ? Array(s[(i + 2)...]) : []).firstIndex(of: "]"),
               close > 0, s[i + 2 + close - 1] == ":" {
                out.append(contentsOf: s[i...(i + 2 + close)])
                i += 3 + close
                continue
            }
            out.append(contentsOf: ["\\", "["])
        case "&", "~":
            out.append(contentsOf: ["\\", c])
        default:
            out.append(c)
        }
        i += 1
    }
    return String(out)
}

/// Checks a regular expression the way Prometheus (Go RE2) would accept it; nil when fine.
func regexProblem(_ pattern: String) -> String? {
    // RE2 has no look-around and no back-references; Swift's engine has both, so refuse them here.
    let scalars = Array(pattern.unicodeScalars)
    var i = 0
    var inClass = false
    while i < scalars.count {
        let c = scalars[i]
        if c == "\\", i + 1 < scalars.count {
            let n = scalars[i + 1]
            if !inClass, n >= "1", n <= "9" {
                return "error parsing regexp: invalid escape sequence: `\\\(n)`"
            }
            i += 2
            continue
        }
        if inClass {
            if c == "]" { inClass = false }
        } else if c == "[" {
            inClass = true
            if i + 1 < scalars.count, scalars[i + 1] == "]" { i += 1 }
            if i + 2 < scalars.count, scalars[i + 1] == "^", scalars[i + 2] == "]" { i += 2 }
        } else if c == "(", i + 2 < scalars.count, scalars[i + 1] == "?" {
            let n = scalars[i + 2]
            let lookbehind = n == "<" && i + 3 < scalars.count && (scalars[i + 3] == "=" || scalars[i + 3] == "!")
            if n == "=" || n == "!" || lookbehind {
                return "error parsing regexp: invalid or unsupported Perl syntax: `(?\(n)`"
            }
        }
        i += 1
    }
    do {
        _ = try Regex("^(?s:" + swiftRegexSyntax(pattern) + ")$")
    } catch {
        return "error parsing regexp: \(quoteLabelValue(pattern)) is not a valid regular expression"
    }
    return nil
}

/// True when `value` is a legacy label name that may contain `$1`, `$name` or `${name}` references
/// (Prometheus's check for `target_label` templates and `labelmap` replacements).
func isValidLegacyLabelTemplate(_ value: String) -> Bool {
    let s = Array(value.unicodeScalars)
    func isWord(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }
    guard let first = s.first, !(first >= "0" && first <= "9") else { return false }
    var i = 0
    while i < s.count {
        if s[i] == "$" {
            if i + 1 < s.count, s[i + 1] == "{" {
                var j = i + 2
                while j < s.count, isWord(s[j]) { j += 1 }
                guard j > i + 2, j < s.count, s[j] == "}" else { return false }
                i = j + 1
            } else {
                var j = i + 1
                while j < s.count, isWord(s[j]) { j += 1 }
                guard j > i + 1 else { return false }
                i = j
            }
        } else if isWord(s[i]) {
            i += 1
        } else {
            return false
        }
    }
    return true
}

extension Walker {
    /// Parses a list of relabel rules; `nullMessage` is Prometheus's message for a null entry.
    func relabelConfigs(_ node: Node, field: String, scheme: NameValidationScheme, nullMessage: String? = nil) -> [RelabelConfig] {
        guard let items = sequence(node, field: field) else { return [] }
        var out: [RelabelConfig] = []
        for item in items {
            if Walker.isNull(item) {
                error(item, nullMessage ?? "empty or null relabeling rule in \(field)")
                continue
            }
            if let rule = relabelConfig(item, scheme: scheme) { out.append(rule) }
        }
        return out
    }

    func relabelConfig(_ node: Node, scheme: NameValidationScheme) -> RelabelConfig? {
        guard let m = mapping(node, section: "relabel_config") else { return nil }
        defer { m.finish() }
        var rule = RelabelConfig()
        let errorCount = errors.count
        let sourceLabelsWritten = m.value("source_labels") != nil
        if let v = m.value("source_labels") {
            if case .scalar = v, let s = scalar(v, field: "source_labels") {
                // A single label written without brackets: Prometheus refuses it too.
                error(v, "source_labels must be a list, got \(quoteLabelValue(s))")
            } else if let items = sequence(v, field: "source_labels") {
                for item in items {
                    guard let name = scalar(item, field: "source_labels") else { continue }
                    if !NameValidationScheme.utf8.isValidLabelName(name) {
                        error(item, "\(quoteLabelValue(name)) is not a valid label name")
                    }
                    rule.sourceLabels.append(name)
                }
            }
        }
        if let e = m.entry("separator") {
            rule.separator = scalar(e.value, field: "separator") ?? rule.separator
        }
        if let t = m.string("target_label") { rule.targetLabel = t }
        let regexEntry = m.entry("regex")
        if let e = regexEntry {
            if Walker.isNull(e.value) {
                rule.regex = ""
            } else if let r = scalar(e.value, field: "regex") {
                if let problem = regexProblem(r) { error(e.value, problem) }
                rule.regex = r
            }
        }
        if let v = m.value("modulus") {
            if let n = nonNegativeInt(v, field: "modulus") { rule.modulus = UInt64(n) }
        }
        if let e = m.entry("replacement") {
            rule.replacement = scalar(e.value, field: "replacement") ?? rule.replacement
        }
        let actionNode = m.value("action") ?? m.keyNode("action") ?? node
        if let e = m.entry("action"), Walker.isNull(e.value) || e.value.string == "" {
            error(e.value, "relabel action cannot be empty")
            return nil
        }
        if let v = m.value("action"), let a = scalar(v, field: "action") {
            if let action = RelabelAction(rawValue: a.lowercased()) {
                rule.action = action
            } else {
                error(v, "unknown relabel action \(quoteLabelValue(a))")
                return nil
            }
        }
        guard errors.count == errorCount else { return nil }

        // Prometheus's relabel.Config.Validate, in its order; the first failure is reported.
        let action = rule.action
        let at = m.value("target_label") ?? actionNode
        func fail(_ message: String, _ where_: Node? = nil) -> RelabelConfig? {
            error(where_ ?? actionNode, message)
            return nil
        }
        if action == .hashmod && rule.modulus == 0 {
            return fail("relabel configuration for hashmod requires non-zero modulus")
        }
        let needsTarget: Set<RelabelAction> = [.replace, .hashmod, .lowercase, .uppercase, .keepequal, .dropequal]
        if needsTarget.contains(action) && rule.targetLabel.isEmpty {
            return fail("relabel configuration for \(action.rawValue) action requires 'target_label' value")
        }
        let hasVar = rule.targetLabel.contains("$")
        func templateOK(_ v: String) -> Bool {
            scheme == .utf8 ? scheme.isValidLabelName(v) : isValidLegacyLabelTemplate(v)
        }
        if action == .replace && !hasVar && !scheme.isValidLabelName(rule.targetLabel) {
            return fail("\(quoteLabelValue(rule.targetLabel)) is invalid 'target_label' for replace action", at)
        }
        if action == .replace && hasVar && !templateOK(rule.targetLabel) {
            return fail("\(quoteLabelValue(rule.targetLabel)) is invalid 'target_label' for replace action", at)
        }
        let equalish: Set<RelabelAction> = [.lowercase, .uppercase, .keepequal, .dropequal]
        if equalish.contains(action) && !scheme.isValidLabelName(rule.targetLabel) {
            return fail("\(quoteLabelValue(rule.targetLabel)) is invalid 'target_label' for \(action.rawValue) action", at)
        }
        if equalish.contains(action) && rule.replacement != RelabelConfig.defaultReplacement {
            return fail("'replacement' can not be set for \(action.rawValue) action", m.value("replacement"))
        }
        if action == .labelmap && !templateOK(rule.replacement) {
            return fail("\(quoteLabelValue(rule.replacement)) is invalid 'replacement' for labelmap action", m.value("replacement"))
        }
        if action == .hashmod && !scheme.isValidLabelName(rule.targetLabel) {
            return fail("\(quoteLabelValue(rule.targetLabel)) is invalid 'target_label' for hashmod action", at)
        }
        if action == .keepequal || action == .dropequal {
            if regexEntry != nil || rule.modulus != 0 || rule.separator != RelabelConfig.defaultSeparator
                || rule.replacement != RelabelConfig.defaultReplacement {
                return fail("\(action.rawValue) action requires only 'source_labels' and `target_label`, and no other fields")
            }
        }
        if action == .labeldrop || action == .labelkeep {
            if sourceLabelsWritten || !rule.targetLabel.isEmpty || rule.modulus != 0
                || rule.separator != RelabelConfig.defaultSeparator || rule.replacement != RelabelConfig.defaultReplacement {
                return fail("\(action.rawValue) action requires only 'regex', and no other fields")
            }
        }
        return rule
    }
}
