/// One label pair. Names and values are arbitrary UTF-8; validity is checked where input enters.
public struct Label: Hashable, Sendable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.value < rhs.value
    }
}

/// A series' identity: label pairs sorted by name, names unique, no empty values.
///
/// Contract: `Labels` is always sorted by name with unique names; empty values are dropped on
/// construction, as Prometheus treats a label with an empty value as absent. Equality and hashing
/// are by content. Ordering (`<`) is Prometheus's `labels.Compare`: pairwise by name, then value,
/// then the shorter set first.
public struct Labels: Hashable, Sendable, Comparable, RandomAccessCollection, CustomStringConvertible {
    public private(set) var pairs: [Label]

    public static let metricName = "__name__"
    public static let empty = Labels(sortedUnique: [])

    /// Builds a label set from pairs in any order. A repeated name keeps its last value.
    public init(_ pairs: [Label]) {
        var sorted = pairs.filter { !$0.value.isEmpty }
        sorted.sort { $0.name < $1.name }
        var unique: [Label] = []
        unique.reserveCapacity(sorted.count)
        for pair in sorted {
            if let last = unique.last, last.name == pair.name {
                unique[unique.count - 1] = pair
            } else {
                unique.append(pair)
            }
        }
        self.pairs = unique
    }

    public init(_ dictionary: [String: String]) {
        self.init(dictionary.map { Label($0.key, $0.value) })
    }

    /// Wraps pairs the caller guarantees are sorted by name, unique and non-empty.
    public init(sortedUnique pairs: [Label]) {
        self.pairs = pairs
    }

    public var startIndex: Int { pairs.startIndex }
    public var endIndex: Int { pairs.endIndex }
    public subscript(position: Int) -> Label { pairs[position] }

    /// The value of `name`, or nil when absent.
    public subscript(name: String) -> String? {
        var low = 0, high = pairs.count
        while low < high {
            let mid = (low + high) / 2
            if pairs[mid].name < name { low = mid + 1 } else { high = mid }
        }
        return low < pairs.count && pairs[low].name == name ? pairs[low].value : nil
    }

    /// The metric name (`__name__`), or nil.
    public var metricName: String? { self[Labels.metricName] }

    /// A copy with `name` set to `value` (removed when `value` is empty).
    public func setting(_ name: String, to value: String) -> Labels {
        var builder = LabelsBuilder(self)
        builder.set(name, value)
        return builder.labels
    }

    /// A copy without the named labels.
    public func removing(_ names: Set<String>) -> Labels {
        Labels(sortedUnique: pairs.filter { !names.contains($0.name) })
    }

    /// A copy without `__name__`.
    public var withoutMetricName: Labels { removing([Labels.metricName]) }

    /// Prometheus's text form: `name{a="b", c="d"}`; `{}` for an empty set.
    public var description: String {
        var out = ""
        var rest = pairs[...]
        if let name = metricName, isValidLegacyMetricName(name) {
            out = name
            rest = rest.filter { $0.name != Labels.metricName }[...]
            if rest.isEmpty { return out }
        }
        out += "{"
        out += rest.map { pair -> String in
            let name = isValidLegacyLabelName(pair.name) ? pair.name : quoteLabelValue(pair.name)
            return "\(name)=\(quoteLabelValue(pair.value))"
        }.joined(separator: ", ")
        out += "}"
        return out
    }

    public static func < (lhs: Labels, rhs: Labels) -> Bool {
        let count = Swift.min(lhs.pairs.count, rhs.pairs.count)
        for index in 0..<count {
            let a = lhs.pairs[index], b = rhs.pairs[index]
            if a.name != b.name { return a.name < b.name }
            if a.value != b.value { return a.value < b.value }
        }
        return lhs.pairs.count < rhs.pairs.count
    }
}

/// Accumulates label changes and produces a sorted `Labels`.
public struct LabelsBuilder: Sendable {
    private var values: [String: String]

    public init(_ base: Labels = .empty) {
        values = Dictionary(uniqueKeysWithValues: base.pairs.map { ($0.name, $0.value) })
    }

    public subscript(name: String) -> String? { values[name] }

    /// Sets `name`; an empty value deletes it.
    public mutating func set(_ name: String, _ value: String) {
        values[name] = value.isEmpty ? nil : value
    }

    public mutating func delete(_ name: String) { values[name] = nil }

    public var labels: Labels { Labels(values.map { Label($0.key, $0.value) }) }
}

/// Quotes a label value the way Prometheus prints it: double quotes, with `\`, `"` and newline escaped.
public func quoteLabelValue(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
    return out
}

/// True when `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*`, the classic metric name charset.
public func isValidLegacyMetricName(_ name: String) -> Bool {
    guard !name.isEmpty else { return false }
    for (index, byte) in name.utf8.enumerated() {
        let alpha = (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 || byte == 58
        let digit = byte >= 48 && byte <= 57
        if !(alpha || (index > 0 && digit)) { return false }
    }
    return true
}

/// True when `name` matches `[a-zA-Z_][a-zA-Z0-9_]*`, the classic label name charset.
public func isValidLegacyLabelName(_ name: String) -> Bool {
    guard !name.isEmpty else { return false }
    for (index, byte) in name.utf8.enumerated() {
        let alpha = (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95
        let digit = byte >= 48 && byte <= 57
        if !(alpha || (index > 0 && digit)) { return false }
    }
    return true
}
