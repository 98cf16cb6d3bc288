import MetricModel
import Storage

/// The experimental `info(v [, {data-label-selector}])`: adds the data labels of info metrics
/// (`target_info` by default) that share `instance`/`job` with each series of `v`.
///
/// Contract: as Prometheus 3 — series that are themselves info metrics pass through unchanged;
/// the newest matching info series per metric name wins; a data label conflicting between two info
/// metrics fails with "conflicting label: NAME"; labels the base series already has are kept; a base
/// series with no matching info series is dropped when a data matcher does not match "".
extension Evaluator {
    static let identifyingLabels = ["instance", "job"]

    func evalInfo(_ call: Call, _ args: [Node], at t: Timestamp) throws(QueryError) -> [Element] {
        let base = try eval(args[0], at: t).vector
        var dataMatchers: [String: [LabelMatcher]] = [:]
        var nameMatchers: [LabelMatcher] = []
        if call.args.count > 1, case let .vectorSelector(selector) = call.args[1] {
            for m in selector.matchers {
                dataMatchers[m.name, default: []].append(m)
                if m.name == Labels.metricName { nameMatchers.append(m) }
            }
        } else {
            nameMatchers = [try! LabelMatcher(.equal, Labels.metricName, "target_info")]
        }
        let effectiveNames = Self.effectiveInfoNameMatchers(nameMatchers)
        let ignored = Set(base.filter { e in effectiveNames.allSatisfy { $0.matches(e.labels.metricName ?? "") } }.map(\.labels))
        var identifying: [String: Set<String>] = [:]
        for e in base where !ignored.contains(e.labels) {
            for name in Self.identifyingLabels {
                if let v = e.labels[name] { identifying[name, default: []].insert(v) }
            }
        }
        var infoSeries: [Element] = []
        let selectMatchers = dataMatchers.values.flatMap { $0 }.filter { $0.name != Labels.metricName }
            + Self.effectiveInfoNameMatchers(dataMatchers[Labels.metricName] ?? [])
        dataMatchers[Labels.metricName] = nil
        if !identifying.isEmpty {
            infoSeries = try selectInfoSeries(selectMatchers, identifying, readAt: infoReadTime(call.args[0], at: t))
        }
        var newest: [Labels: Element] = [:]
        for s in infoSeries {
            let sig = Self.infoSignature(s.labels, name: s.labels.metricName ?? "")
            if let existing = newest[sig] {
                if existing.value < s.value {
                    newest[sig] = s
                } else if existing.value == s.value {
                    throw .execution("found duplicate series for info metric: existing \(goLabelsString(existing.labels)) @ \(Int64(existing.value)), new \(goLabelsString(s.labels)) @ \(Int64(s.value))")
                }
            } else {
                newest[sig] = s
            }
        }
        let infoNames = Set(infoSeries.compactMap { $0.labels.metricName }).sorted()
        var out: [Element] = []
        for e in base {
            if ignored.contains(e.labels) { out.append(e); continue }
            var added = LabelsBuilder()
            var matched = false
            for name in infoNames {
                guard let info = newest[Self.infoSignature(e.labels, name: name)] else { continue }
                matched = true
                for pair in info.labels where pair.name != Labels.metricName {
                    if !dataMatchers.isEmpty, dataMatchers[pair.name] == nil { continue }
                    if let v = added[pair.name], v != pair.value { throw .execution("conflicting label: \(pair.name)") }
                    if e.labels[pair.name] != nil { continue }
                    added.set(pair.name, pair.value)
                }
            }
            if !matched, !dataMatchers.values.allSatisfy({ $0.allSatisfy(\.matchesEmpty) }) { continue }
            var labels = LabelsBuilder(e.labels)
            for pair in added.labels { labels.set(pair.name, pair.value) }
            out.append(Element(labels: labels.labels, value: e.value, timestamp: e.timestamp, dropName: e.dropName))
        }
        return out
    }

    static func effectiveInfoNameMatchers(_ matchers: [LabelMatcher]) -> [LabelMatcher] {
        if matchers.contains(where: { $0.kind == .equal || $0.kind == .regexMatch }) { return matchers }
        if !matchers.isEmpty { return [try! LabelMatcher(.regexMatch, Labels.metricName, ".+_info")] + matchers }
        return [try! LabelMatcher(.equal, Labels.metricName, "target_info")]
    }

    static func infoSignature(_ labels: Labels, name: String) -> Labels {
        var pairs = [Label(Labels.metricName, name)]
        for id in identifyingLabels { if let v = labels[id] { pairs.append(Label(id, v)) } }
        return Labels(pairs)
    }

    /// The time info series are read at: the first selector's `@` and offset in the base
    /// expression, with the offsets of enclosing subqueries.
    func infoReadTime(_ expr: Expr, at t: Timestamp) -> Timestamp {
        func resolve(_ at: AtModifier?) -> Timestamp? {
            switch at {
            case let .timestamp(v)?: return v
            case .start?: return start
            case .end?: return end
            case nil: return nil
            }
        }
        func find(_ e: Expr, _ path: [SubqueryExpr]) -> (VectorSelector, [SubqueryExpr])? {
            switch e {
            case let .vectorSelector(vs): return (vs, path)
            case let .matrixSelector(ms): return (ms.selector, path)
            case let .subquery(sq): return find(sq.expr, path + [sq])
            default:
                for child in e.children { if let found = find(child, path) { return found } }
                return nil
            }
        }
        guard let (selector, path) = find(expr, []) else { return t }
        var time = resolve(selector.at)
        var offset = selector.offset
        for subquery in path.reversed() where time == nil {
            offset += subquery.offset
            time = resolve(subquery.at)
        }
        return (time ?? t) - offset
    }

    /// The newest non-stale sample of each matching info series in the lookback window before
    /// `readAt`; the element's value is that sample's timestamp.
    func selectInfoSeries(_ matchers: [LabelMatcher], _ identifying: [String: Set<String>], readAt: Timestamp)
        throws(QueryError) -> [Element] {
        let mint = readAt - lookbackDelta + 1
        var out: [Element] = []
        do {
            let querier = try queryable.querier(mint: mint, maxt: readAt)
            let set = try querier.select(sorted: true, hints: SelectHints(start: mint, end: readAt), matchers: matchers)
            while let series = try set.next() {
                guard identifying.allSatisfy({ name, values in series.labels[name].map(values.contains) ?? false }) else { continue }
                let cursor = SeriesCursor(series)
                let (times, values) = cursor.window(after: mint - 1, through: readAt)
                guard let v = values.last, !v.isStaleMarker else { continue }
                out.append(Element(labels: series.labels, value: Double(times.last!), timestamp: times.last!, dropName: false))
            }
        } catch let error as QueryError {
            throw error
        } catch {
            throw .execution("expanding series: \(error)")
        }
        try account(out.count)
        return out
    }
}
