import Foundation
import MetricModel

/// A source of targets for one scrape pool: static targets, files, DNS names, an HTTP endpoint.
///
/// Contract: `run` lasts until its task is cancelled and calls `update` with the provider's
/// complete current set of groups whenever it (re)reads its source; each call replaces the
/// previous one. A source that cannot be read keeps the last good groups (the error is logged by
/// the provider through `report`).
protocol DiscoveryProvider: Sendable {
    func run(update: @escaping @Sendable ([TargetGroup]) -> Void, report: @escaping @Sendable (String) -> Void) async
}

/// Parses the `[{"targets": [...], "labels": {...}}, ...]` document that file and HTTP discovery
/// share, from a JSON value or its YAML equivalent.
enum TargetGroupDocument {
    /// The groups of `document`; `source` names each group `<source>:<index>`, `extra` labels are
    /// added to every group. Throws a message naming the bad entry.
    static func groups(_ document: Any?, source: String, extra: Labels) throws(DiscoveryError) -> [TargetGroup] {
        if document == nil || document is NSNull { return [] }
        guard let list = document as? [Any] else { throw DiscoveryError("expected a list of target groups") }
        var out: [TargetGroup] = []
        for (index, element) in list.enumerated() {
            guard let entry = element as? [String: Any] else {
                throw DiscoveryError("target group \(index): expected a mapping with targets and labels")
            }
            for key in entry.keys where key != "targets" && key != "labels" {
                throw DiscoveryError("target group \(index): unknown field \(quoteLabelValue(key))")
            }
            var targets: [Labels] = []
            if let raw = entry["targets"], !(raw is NSNull) {
                guard let list = raw as? [Any] else { throw DiscoveryError("target group \(index): targets must be a list") }
                for item in list {
                    guard let address = scalarText(item) else {
                        throw DiscoveryError("target group \(index): a target must be a string")
                    }
                    if address.contains("/") { throw DiscoveryError("\(quoteLabelValue(address)) is not a valid hostname") }
                    targets.append(Labels([Label("__address__", address)]))
                }
            }
            var labels = LabelsBuilder(extra)
            if let raw = entry["labels"], !(raw is NSNull) {
                guard let map = raw as? [String: Any] else { throw DiscoveryError("target group \(index): labels must be a mapping") }
                for (name, value) in map {
                    guard let text = scalarText(value) else {
                        throw DiscoveryError("target group \(index): label \(quoteLabelValue(name)) must have a string value")
                    }
                    if name.isEmpty { throw DiscoveryError("\(quoteLabelValue(name)) is not a valid label name") }
                    labels.set(name, text)
                }
            }
            out.append(TargetGroup(source: "\(source):\(index)", targets: targets, labels: labels.labels))
        }
        return out
    }

    private static func scalarText(_ value: Any) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        if let number = value as? Int { return String(number) }
        return nil
    }
}

/// A discovery source could not be read or understood.
struct DiscoveryError: Error, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A static target list as a provider (it reports once).
struct StaticDiscovery: DiscoveryProvider {
    let groups: [TargetGroup]
    func run(update: @escaping @Sendable ([TargetGroup]) -> Void, report: @escaping @Sendable (String) -> Void) async {
        update(groups)
    }
}
