import Foundation

/// Selects series by one label: `=`, `!=`, `=~`, `!~`.
///
/// Contract: regexes are fully anchored, as in Prometheus (`=~"a.*"` means `^(?:a.*)$`). A label that
/// is absent matches as the empty string, so `{foo=""}` selects series without `foo` and `{foo!=""}`
/// those with it. Building a matcher with a bad regex throws `LabelMatcher.Error.badRegex`.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case regexMatch = "=~"
        case regexNoMatch = "!~"
    }

    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case badRegex(pattern: String, reason: String)
        public var description: String {
            switch self {
            case let .badRegex(pattern, reason): return "invalid regular expression \(quoteLabelValue(pattern)): \(reason)"
            }
        }
    }

    public let kind: Kind
    public let name: String
    public let value: String
    private let regex: AnchoredRegex?

    public init(_ kind: Kind, _ name: String, _ value: String) throws {
        self.kind = kind
        self.name = name
        self.value = value
        switch kind {
        case .equal, .notEqual: regex = nil
        case .regexMatch, .regexNoMatch: regex = try AnchoredRegex(value)
        }
    }

    /// Whether a label value (empty when the label is absent) satisfies the matcher.
    public func matches(_ labelValue: String) -> Bool {
        switch kind {
        case .equal: return labelValue == value
        case .notEqual: return labelValue != value
        case .regexMatch: return regex!.matches(labelValue)
        case .regexNoMatch: return !regex!.matches(labelValue)
        }
    }

    /// Whether a series' label set satisfies the matcher.
    public func matches(_ labels: Labels) -> Bool { matches(labels[name] ?? "") }

    /// True when the matcher accepts the empty string, i.e. also selects series lacking the label.
    public var matchesEmpty: Bool { matches("") }

    public var description: String { "\(name)\(kind.rawValue)\(quoteLabelValue(value))" }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.kind == rhs.kind && lhs.name == rhs.name && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(name)
        hasher.combine(value)
    }
}

/// A fully anchored regular expression with fast paths for the shapes dashboards use most:
/// a literal, `.*`, `.+` and alternations of literals (`a|b|c`, what Grafana's multi-value variables
/// produce).
struct AnchoredRegex: Sendable {
    private enum Shape: Sendable {
        case any, nonEmpty
        case literals(Set<String>)
        case general(NSRegularExpressionBox)
    }

    private let shape: Shape

    init(_ pattern: String) throws {
        if pattern == ".*" { shape = .any; return }
        if pattern == ".+" { shape = .nonEmpty; return }
        let meta = Set("\\^$.|?*+()[]{}")
        if !pattern.contains(where: { meta.contains($0) }) { shape = .literals([pattern]); return }
        let alternatives = pattern.split(separator: "|", omittingEmptySubsequences: false)
        if alternatives.count > 1,
           alternatives.allSatisfy({ !$0.contains(where: { meta.contains($0) }) }) {
            shape = .literals(Set(alternatives.map(String.init)))
            return
        }
        do {
            let regex = try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.dotMatchesLineSeparators])
            shape = .general(NSRegularExpressionBox(regex: regex))
        } catch {
            throw LabelMatcher.Error.badRegex(pattern: pattern, reason: "cannot compile")
        }
    }

    func matches(_ text: String) -> Bool {
        switch shape {
        case .any: return true
        case .nonEmpty: return !text.isEmpty
        case let .literals(set): return set.contains(text)
        case let .general(box):
            let range = NSRange(text.startIndex..., in: text)
            return box.regex.firstMatch(in: text, options: [], range: range) != nil
        }
    }
}

/// NSRegularExpression is immutable after creation and documented thread-safe for matching.
final class NSRegularExpressionBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(regex: NSRegularExpression) { self.regex = regex }
}
