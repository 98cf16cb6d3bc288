import Foundation
import MetricModel
import Yams

/// A YAML value kept as written, for sections Ember accepts but does not model yet.
///
/// Contract: scalars keep their text exactly (no type resolution), mappings keep key order.
/// `null` is an explicit YAML null (`~`, `null` or an empty value).
public indirect enum ConfigValue: Sendable, Equatable {
    case null
    case scalar(String)
    case sequence([ConfigValue])
    case mapping([(key: String, value: ConfigValue)])

    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.scalar(a), .scalar(b)): return a == b
        case let (.sequence(a), .sequence(b)): return a == b
        case let (.mapping(a), .mapping(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value under `key` when this is a mapping.
    public subscript(key: String) -> ConfigValue? {
        if case let .mapping(pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }
}

/// Collects diagnostics while walking a composed YAML tree; maps positions back to the source.
final class Walker {
    let fileName: String
    let lineMap: [Int]
    var errors: [ConfigDiagnostic] = []
    var warnings: [ConfigDiagnostic] = []

    init(fileName: String, lineMap: [Int]) {
        self.fileName = fileName
        self.lineMap = lineMap
    }

    func position(_ node: Node?) -> (line: Int, column: Int) {
        guard let mark = node?.mark else { return (1, 1) }
        return (originalLine(mark.line), mark.column)
    }

    func originalLine(_ expandedLine: Int) -> Int {
        guard expandedLine >= 1 else { return 1 }
        return expandedLine <= lineMap.count ? lineMap[expandedLine - 1] : (lineMap.last ?? expandedLine)
    }

    func error(_ node: Node?, _ message: String) {
        let p = position(node)
        errors.append(ConfigDiagnostic(file: fileName, line: p.line, column: p.column, message: message))
    }

    func warn(_ node: Node?, _ message: String) {
        let p = position(node)
        warnings.append(ConfigDiagnostic(file: fileName, line: p.line, column: p.column, message: message))
    }

    static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(s) = node else { return false }
        if s.style != .plain { return false }
        return s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL"
    }

    func raw(_ node: Node) -> ConfigValue {
        switch node {
        case let .scalar(s):
            return Walker.isNull(node) ? .null : .scalar(s.string)
        case let .sequence(seq):
            return .sequence(seq.map { raw($0) })
        case let .mapping(map):
            return .mapping(map.map { (key: $0.key.string ?? "", value: raw($0.value)) })
        case .alias:
            return .null
        }
    }

    /// A mapping reader for `node`, or nil (with an error) when it is not a mapping.
    func mapping(_ node: Node, section: String) -> MapReader? {
        if case .mapping = node { return MapReader(walker: self, node: node, section: section) }
        error(node, "\(section) must be a mapping, got \(describe(node))")
        return nil
    }

    func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(s): return quoteLabelValue(s.string)
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    // MARK: scalar conversions; each reports its own error and returns nil on failure.

    func scalar(_ node: Node, field: String) -> String? {
        if case let .scalar(s) = node { return Walker.isNull(node) ? "" : s.string }
        error(node, "\(field) must be a string, got \(describe(node))")
        return nil
    }

    func bool(_ node: Node, field: String) -> Bool? {
        if case let .scalar(s) = node {
            switch s.string {
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return true
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return false
            default: break
            }
        }
        error(node, "\(field) must be a boolean, got \(describe(node))")
        return nil
    }

    func nonNegativeInt(_ node: Node, field: String) -> Int? {
        if case let .scalar(s) = node, let value = Self.parseInt(s.string), value >= 0 { return value }
        error(node, "\(field) must be a non-negative integer, got \(describe(node))")
        return nil
    }

    func int(_ node: Node, field: String) -> Int? {
        if case let .scalar(s) = node, let value = Self.parseInt(s.string) { return value }
        error(node, "\(field) must be an integer, got \(describe(node))")
        return nil
    }

    static func parseInt(_ text: String) -> Int? {
        var t = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if t.first == "+" || t.first == "-" { negative = t.first == "-"; t = t.dropFirst() }
        let value: Int?
        if t.hasPrefix("0x") { value = Int(t.dropFirst(2), radix: 16) }
        else if t.hasPrefix("0o") { value = Int(t.dropFirst(2), radix: 8) }
        else { value = Int(t, radix: 10) }
        guard let v = value else { return nil }
        return negative ? -v : v
    }

    func double(_ node: Node, field: String) -> Double? {
        if case let .scalar(s) = node {
            switch s.string {
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
            case "-.inf", "-.Inf", "-.INF": return -.infinity
            case ".nan", ".NaN", ".NAN": return .nan
            default:
                if let v = Double(s.string.replacingOccurrences(of: "_", with: "")) { return v }
            }
        }
        error(node, "\(field) must be a number, got \(describe(node))")
        return nil
    }

    func duration(_ node: Node, field: String) -> Int64? {
        guard case let .scalar(s) = node else {
            error(node, "\(field) must be a duration, got \(describe(node))")
            return nil
        }
        do {
            return try PrometheusDuration.parse(s.string)
        } catch {
            self.error(node, error.description)
            return nil
        }
    }

    func size(_ node: Node, field: String) -> Int? {
        guard case let .scalar(s) = node else {
            error(node, "\(field) must be a size, got \(describe(node))")
            return nil
        }
        if let bytes = ByteSize.parse(s.string) { return bytes }
        error(node, "not a valid size string: \(quoteLabelValue(s.string)) (use a unit: B, KB, MB, GB, TB, PB, EB or KiB, MiB, ...)")
        return nil
    }

    func sequence(_ node: Node, field: String) -> [Node]? {
        if case let .sequence(seq) = node { return Array(seq) }
        if Walker.isNull(node) { return [] }
        error(node, "\(field) must be a list, got \(describe(node))")
        return nil
    }

    func stringList(_ node: Node, field: String) -> [String]? {
        guard let items = sequence(node, field: field) else { return nil }
        var out: [String] = []
        for item in items {
            if let s = scalar(item, field: field) { out.append(s) }
        }
        return out
    }

    /// A mapping of strings to strings, in file order, with the key node of each entry.
    func stringMap(_ node: Node, field: String) -> [(key: String, value: String, node: Node)]? {
        if Walker.isNull(node) { return [] }
        guard case let .mapping(map) = node else {
            error(node, "\(field) must be a mapping, got \(describe(node))")
            return nil
        }
        var out: [(key: String, value: String, node: Node)] = []
        for (key, value) in map {
            guard let k = scalar(key, field: field), let v = scalar(value, field: "\(field).\(k)") else { continue }
            out.append((k, v, key))
        }
        return out
    }
}

/// Reads one YAML mapping: each accessor marks its key as known; `finish()` reports the rest as
/// unknown fields. Null values read as absent, as in Prometheus (Go zero values).
final class MapReader {
    let walker: Walker
    let node: Node
    let section: String
    private(set) var entries: [(key: String, keyNode: Node, value: Node)] = []
    private var used: Set<String> = []

    init(walker: Walker, node: Node, section: String) {
        self.walker = walker
        self.node = node
        self.section = section
        guard case let .mapping(map) = node else { return }
        var explicit: [(String, Node, Node)] = []
        var merged: [(String, Node, Node)] = []
        for (key, value) in map {
            guard case let .scalar(k) = key else {
                walker.error(key, "\(section) keys must be strings")
                continue
            }
            if k.string == "<<" && k.style == .plain {
                // YAML merge key: pull in the keys of the referenced mapping(s).
                let sources: [Node]
                if case let .sequence(seq) = value { sources = Array(seq) } else { sources = [value] }
                for source in sources {
                    if case let .mapping(m) = source {
                        for (mk, mv) in m { if let s = mk.string { merged.append((s, key, mv)) } }
                    } else {
                        walker.error(value, "map merge requires a mapping or a list of mappings")
                    }
                }
                continue
            }
            explicit.append((k.string, key, value))
        }
        let explicitKeys = Set(explicit.map(\.0))
        entries = explicit + merged.filter { !explicitKeys.contains($0.0) }
        entries.sort { ($0.keyNode.mark?.line ?? 0, $0.keyNode.mark?.column ?? 0) < ($1.keyNode.mark?.line ?? 0, $1.keyNode.mark?.column ?? 0) }
    }

    /// The entry for `key`, present or null.
    func entry(_ key: String) -> (keyNode: Node, value: Node)? {
        used.insert(key)
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        return (e.keyNode, e.value)
    }

    /// True when the key is written, even with a null value.
    func has(_ key: String) -> Bool { entry(key) != nil }

    /// The non-null value of `key`.
    func value(_ key: String) -> Node? {
        guard let e = entry(key), !Walker.isNull(e.value) else { return nil }
        return e.value
    }

    func keyNode(_ key: String) -> Node? { entry(key)?.keyNode }

    func markUsed(_ key: String) { used.insert(key) }

    func string(_ key: String) -> String? { value(key).flatMap { walker.scalar($0, field: key) } }
    func bool(_ key: String) -> Bool? { value(key).flatMap { walker.bool($0, field: key) } }
    func nonNegativeInt(_ key: String) -> Int? { value(key).flatMap { walker.nonNegativeInt($0, field: key) } }
    func int(_ key: String) -> Int? { value(key).flatMap { walker.int($0, field: key) } }
    func double(_ key: String) -> Double? { value(key).flatMap { walker.double($0, field: key) } }
    func duration(_ key: String) -> Int64? { value(key).flatMap { walker.duration($0, field: key) } }
    func size(_ key: String) -> Int? { value(key).flatMap { walker.size($0, field: key) } }
    func stringList(_ key: String) -> [String]? { value(key).flatMap { walker.stringList($0, field: key) } }
    func sequence(_ key: String) -> [Node]? { value(key).flatMap { walker.sequence($0, field: key) } }
    func stringMap(_ key: String) -> [(key: String, value: String, node: Node)]? {
        value(key).flatMap { walker.stringMap($0, field: key) }
    }
    func map(_ key: String, section: String) -> MapReader? { value(key).flatMap { walker.mapping($0, section: section) } }
    func raw(_ key: String) -> ConfigValue? { value(key).map { walker.raw($0) } }

    /// Reports every key not read, as Prometheus's strict decoding does.
    func finish() {
        for e in entries where !used.contains(e.key) {
            walker.error(e.keyNode, "field \(e.key) not found in \(section)")
        }
    }

    /// Accepts the named keys as known without interpreting them (loose validation).
    func accept(_ keys: [String]) { for k in keys { used.insert(k) } }
}

/// Byte sizes as Prometheus writes them (`512MB`, `1GiB`, `0`), base 2: KB = KiB = 1024 B.
public enum ByteSize {
    private static let units: [String: Double] = [
        "B": 1, "KB": 1024, "MB": 1_048_576, "GB": 1_073_741_824, "TB": 1_099_511_627_776,
        "PB": 1_125_899_906_842_624, "EB": 1_152_921_504_606_846_976,
        "KiB": 1024, "MiB": 1_048_576, "GiB": 1_073_741_824, "TiB": 1_099_511_627_776,
        "PiB": 1_125_899_906_842_624, "EiB": 1_152_921_504_606_846_976,
    ]

    /// Bytes for `text`, or nil. A unit is required except for `0`; components may repeat
    /// (`1GB512MB`) and numbers may have a fraction (`1.5GB`).
    public static func parse(_ text: String) -> Int? {
        if text == "0" { return 0 }
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" { negative = rest.first == "-"; rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        var total: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            guard let factor = units[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * factor
        }
        guard total < 9.2e18 else { return nil }
        return Int(negative ? -total : total)
    }

    /// Formats bytes the way `parse` reads them back (`512MiB`, `0`).
    public static func format(_ bytes: Int) -> String {
        if bytes == 0 { return "0" }
        let ordered: [(String, Int)] = [("EiB", 1 << 60), ("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (unit, size) in ordered where bytes % size == 0 { return "\(bytes / size)\(unit)" }
        return "\(bytes)B"
    }
}
