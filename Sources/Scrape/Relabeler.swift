import Config
import MetricModel

/// Why a list of relabel rules could not be compiled.
public struct RelabelError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Applies a list of relabel rules (`relabel_configs`, `metric_relabel_configs`) to label sets,
/// with Prometheus's semantics for every action.
///
/// Contract: rules run in order on one label set; `keep`, `drop`, `keepequal` and `dropequal` can
/// drop the set, which ends processing (`process` returns false / nil). Regexes match the whole
/// value (`RelabelConfig.anchoredRegex`) by Unicode scalars, as RE2 does. `replace` with a
/// non-matching regex changes nothing; a replacement that expands to "" deletes the target label;
/// an expanded `target_label` that is not a valid label name is skipped. `hashmod` is the last 8
/// bytes of the MD5 of the joined values, big-endian, modulo `modulus` — Prometheus's exact hash,
/// so shards agree with a Prometheus using the same config.
public struct Relabeler: @unchecked Sendable {
    // @unchecked: `Regex` is immutable once built; it is only read after `init`.
    struct Rule {
        let config: RelabelConfig
        let regex: Regex<AnyRegexOutput>
        /// The regex is Prometheus's default `(.*)`.
        let isDefaultRegex: Bool
    }

    let rules: [Rule]
    let scheme: NameValidationScheme

    /// Compiles `configs`; `scheme` decides which expanded `target_label`s are valid label names.
    public init(_ configs: [RelabelConfig], scheme: NameValidationScheme = .utf8) throws(RelabelError) {
        var rules: [Rule] = []
        for config in configs {
            do {
                let regex = try Regex(config.anchoredRegex).matchingSemantics(.unicodeScalar)
                rules.append(Rule(config: config, regex: regex, isDefaultRegex: config.regex == RelabelConfig.defaultRegex))
            } catch {
                throw RelabelError(message: "relabel rule regex \(quoteLabelValue(config.regex)) does not compile: \(error)")
            }
        }
        self.rules = rules
        self.scheme = scheme
    }

    /// No rules: every label set passes unchanged.
    public var isEmpty: Bool { rules.isEmpty }

    /// The relabeled set, or nil when a rule dropped it.
    public func process(_ labels: Labels) -> Labels? {
        if rules.isEmpty { return labels }
        var builder = LabelsBuilder(labels)
        return process(&builder) ? builder.labels : nil
    }

    /// Applies every rule to `builder`; false when a rule dropped the set (the builder is then
    /// left as it was at that point).
    public func process(_ builder: inout LabelsBuilder) -> Bool {
        for rule in rules where !apply(rule, &builder) { return false }
        return true
    }

    private func apply(_ rule: Rule, _ builder: inout LabelsBuilder) -> Bool {
        let config = rule.config
        let value = config.sourceLabels.map { builder[$0] ?? "" }.joined(separator: config.separator)
        switch config.action {
        case .drop:
            return !matches(rule, value)
        case .keep:
            return matches(rule, value)
        case .dropequal:
            return (builder[config.targetLabel] ?? "") != value
        case .keepequal:
            return (builder[config.targetLabel] ?? "") == value
        case .replace:
            replace(rule, value, &builder)
        case .lowercase:
            builder.set(config.targetLabel, value.lowercased())
        case .uppercase:
            builder.set(config.targetLabel, value.uppercased())
        case .hashmod:
            builder.set(config.targetLabel, String(Self.hashmod(value, modulus: config.modulus)))
        case .labelmap:
            for label in builder.labels {
                guard let match = try? rule.regex.wholeMatch(in: label.name) else { continue }
                builder.set(expand(config.replacement, match), label.value)
            }
        case .labeldrop:
            for label in builder.labels where matches(rule, label.name) { builder.delete(label.name) }
        case .labelkeep:
            for label in builder.labels where !matches(rule, label.name) { builder.delete(label.name) }
        }
        return true
    }

    private func replace(_ rule: Rule, _ value: String, _ builder: inout LabelsBuilder) {
        let config = rule.config
        // Prometheus's fast path: nothing to match against, nothing to expand.
        if value.isEmpty && rule.isDefaultRegex && !config.targetLabel.contains("$") && !config.replacement.contains("$") {
            builder.set(config.targetLabel, config.replacement)
            return
        }
        guard let match = try? rule.regex.wholeMatch(in: value) else { return }
        let target = expand(config.targetLabel, match)
        guard scheme.isValidLabelName(target) else { return }
        let result = expand(config.replacement, match)
        if result.isEmpty { builder.delete(target) } else { builder.set(target, result) }
    }

    private func matches(_ rule: Rule, _ value: String) -> Bool {
        (try? rule.regex.wholeMatch(in: value)) != nil
    }

    private func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        let output = match.output
        // Group 0 of the anchored pattern is the whole match, group 1 the `(?s:...)` wrapper is not
        // capturing, so group indices line up with the pattern as written.
        return RegexTemplate.expand(template, group: { index in
            index < output.count ? output[index].substring : nil
        }, named: { name in
            output[name]?.substring
        })
    }

    /// Prometheus's `hashmod`: MD5 of `value`, its last 8 bytes as a big-endian integer, mod `modulus`.
    public static func hashmod(_ value: String, modulus: UInt64) -> UInt64 {
        let digest = MD5.digest(value.utf8)
        var number: UInt64 = 0
        for byte in digest[8..<16] { number = number << 8 | UInt64(byte) }
        return modulus == 0 ? 0 : number % modulus
    }
}
