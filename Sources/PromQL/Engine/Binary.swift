import Foundation
import MetricModel

/// Binary operators, with Prometheus's matching rules and error messages.
extension Evaluator {
    func evalBinary(_ expr: BinaryExpr, _ lhsNode: Node, _ rhsNode: Node, at t: Timestamp) throws(QueryError) -> EvalValue {
        let lhs = try eval(lhsNode, at: t)
        let rhs = try eval(rhsNode, at: t)
        switch (lhs, rhs) {
        case let (.scalar(l), .scalar(r)):
            return .scalar(Self.scalarOperation(expr.op, l, r))
        case let (.vector(l), .scalar(r)):
            return .vector(vectorScalar(expr, l, r, swapped: false))
        case let (.scalar(l), .vector(r)):
            return .vector(vectorScalar(expr, r, l, swapped: true))
        case let (.vector(l), .vector(r)):
            let matching = expr.matching ?? VectorMatching(cardinality: expr.op.isSetOperator ? .manyToMany : .oneToOne)
            let out: [Element]
            switch expr.op {
            case .and: out = vectorAnd(l, r, matching)
            case .or: out = vectorOr(l, r, matching)
            case .unless: out = vectorUnless(l, r, matching)
            default: out = try vectorVector(expr, l, r, matching)
            }
            if checkDuplicatesPerStep { try checkUnique(out) }
            return .vector(out)
        default:
            throw .execution("binary operator \(expr.op.rawValue) is not defined between \(lhs) and \(rhs)")
        }
    }

    static func scalarOperation(_ op: BinaryOperator, _ l: Double, _ r: Double) -> Double {
        switch op {
        case .add: return l + r
        case .sub: return l - r
        case .mul: return l * r
        case .div: return l / r
        case .pow: return pow(l, r)
        case .mod: return fmod(l, r)
        case .atan2: return atan2(l, r)
        case .eql: return l == r ? 1 : 0
        case .neq: return l != r ? 1 : 0
        case .gtr: return l > r ? 1 : 0
        case .lss: return l < r ? 1 : 0
        case .gte: return l >= r ? 1 : 0
        case .lte: return l <= r ? 1 : 0
        default: return .nan
        }
    }

    /// The value of an element operation and whether a filtering comparison keeps it.
    static func elementOperation(_ op: BinaryOperator, _ l: Double, _ r: Double) -> (Double, Bool) {
        switch op {
        case .eql: return (l, l == r)
        case .neq: return (l, l != r)
        case .gtr: return (l, l > r)
        case .lss: return (l, l < r)
        case .gte: return (l, l >= r)
        case .lte: return (l, l <= r)
        case .trimUpper, .trimLower: return (0, false)
        default: return (scalarOperation(op, l, r), true)
        }
    }

    static func changesSchema(_ op: BinaryOperator) -> Bool {
        switch op {
        case .add, .sub, .mul, .div, .pow, .mod, .atan2: return true
        default: return false
        }
    }

    func vectorScalar(_ expr: BinaryExpr, _ vector: [Element], _ scalar: Double, swapped: Bool) -> [Element] {
        var out: [Element] = []
        out.reserveCapacity(vector.count)
        for var e in vector {
            let (l, r) = swapped ? (scalar, e.value) : (e.value, scalar)
            var (value, keep) = Self.elementOperation(expr.op, l, r)
            if expr.op.isComparison && swapped { value = r }
            if expr.returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            e.value = value
            if Self.changesSchema(expr.op) || expr.returnBool { e.dropName = true }
            out.append(e)
        }
        return out
    }

    /// The match signature of a label set: the `on` labels, or everything but the `ignoring`
    /// labels and the metric name.
    static func signature(_ labels: Labels, _ matching: VectorMatching) -> Labels {
        if matching.on {
            let names = Set(matching.matchingLabels)
            return Labels(sortedUnique: labels.pairs.filter { names.contains($0.name) })
        }
        var names = Set(matching.matchingLabels)
        names.insert(Labels.metricName)
        return labels.removing(names)
    }

    func vectorAnd(_ lhs: [Element], _ rhs: [Element], _ matching: VectorMatching) -> [Element] {
        guard !lhs.isEmpty, !rhs.isEmpty else { return [] }
        let right = Set(rhs.map { Self.signature($0.labels, matching) })
        return lhs.filter { right.contains(Self.signature($0.labels, matching)) }
    }

    func vectorOr(_ lhs: [Element], _ rhs: [Element], _ matching: VectorMatching) -> [Element] {
        if lhs.isEmpty { return rhs }
        if rhs.isEmpty { return lhs }
        let left = Set(lhs.map { Self.signature($0.labels, matching) })
        return lhs + rhs.filter { !left.contains(Self.signature($0.labels, matching)) }
    }

    func vectorUnless(_ lhs: [Element], _ rhs: [Element], _ matching: VectorMatching) -> [Element] {
        guard !lhs.isEmpty, !rhs.isEmpty else { return lhs }
        let right = Set(rhs.map { Self.signature($0.labels, matching) })
        return lhs.filter { !right.contains(Self.signature($0.labels, matching)) }
    }

    func vectorVector(_ expr: BinaryExpr, _ lhsIn: [Element], _ rhsIn: [Element], _ matching: VectorMatching) throws(QueryError) -> [Element] {
        let fillL = matching.fill.lhs, fillR = matching.fill.rhs
        if (lhsIn.isEmpty && rhsIn.isEmpty) || ((lhsIn.isEmpty || rhsIn.isEmpty) && fillL == nil && fillR == nil) { return [] }
        let oneToMany = matching.cardinality == .oneToMany
        let (lhs, rhs) = oneToMany ? (rhsIn, lhsIn) : (lhsIn, rhsIn)
        var right: [Labels: Element] = [:]
        for r in rhs {
            let sig = Self.signature(r.labels, matching)
            if let duplicate = right[sig] {
                var pair = [goLabelsString(r.labels), goLabelsString(duplicate.labels)]
                pair.sort()
                throw .execution("found duplicate series for the match group \(goLabelsString(sig)) on the "
                    + "\(oneToMany ? "left" : "right") hand-side of the operation: [\(pair[0]), \(pair[1])]"
                    + ";many-to-many matching not allowed: matching labels must be unique on one side")
            }
            right[sig] = r
        }
        var matchedOne = Set<Labels>()
        var matchedMany: [Labels: Set<Labels>] = [:]
        var out: [Element] = []
        func apply(_ ls: Element, _ rs: Element, _ sig: Labels) throws(QueryError) {
            let (fl, fr) = oneToMany ? (rs.value, ls.value) : (ls.value, rs.value)
            var (value, keep) = Self.elementOperation(expr.op, fl, fr)
            if expr.returnBool { value = keep ? 1 : 0 }
            let metric = resultLabels(ls.labels, rs.labels, expr.op, matching)
            if matching.cardinality == .oneToOne {
                if !matchedOne.insert(sig).inserted {
                    throw .execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
            } else if !matchedMany[sig, default: []].insert(metric).inserted {
                throw .execution("multiple matches for labels: grouping labels must ensure unique matches")
            }
            guard keep || expr.returnBool else { return }
            out.append(Element(labels: metric, value: value, timestamp: ls.timestamp, dropName: expr.returnBool))
        }
        for ls in lhs {
            let sig = Self.signature(ls.labels, matching)
            if let rs = right[sig] {
                try apply(ls, rs, sig)
            } else if let fill = fillR {
                try apply(ls, Element(labels: sig, value: fill, timestamp: ls.timestamp, dropName: false), sig)
            }
        }
        if let fill = fillL {
            for rs in rhs {
                let sig = Self.signature(rs.labels, matching)
                if matching.cardinality == .oneToOne ? matchedOne.contains(sig) : !(matchedMany[sig]?.isEmpty ?? true) { continue }
                try apply(Element(labels: sig, value: fill, timestamp: rs.timestamp, dropName: false), rs, sig)
            }
        }
        return out
    }

    func resultLabels(_ lhs: Labels, _ rhs: Labels, _ op: BinaryOperator, _ matching: VectorMatching) -> Labels {
        var pairs = lhs.pairs
        if Self.changesSchema(op) {
            pairs.removeAll { $0.name == "__name__" || $0.name == "__type__" || $0.name == "__unit__" }
        }
        if matching.cardinality == .oneToOne {
            let names = Set(matching.matchingLabels)
            if matching.on {
                pairs.removeAll { !names.contains($0.name) }
            } else {
                pairs.removeAll { names.contains($0.name) }
            }
        }
        var result = Labels(sortedUnique: pairs)
        if !matching.include.isEmpty {
            var builder = LabelsBuilder(result)
            for name in matching.include {
                if let v = rhs[name] { builder.set(name, v) } else { builder.delete(name) }
            }
            result = builder.labels
        }
        return result
    }
}

/// Go's `labels.Labels.String()`: `{a="b", c="d"}` with every label, `__name__` included.
func goLabelsString(_ labels: Labels) -> String {
    "{" + labels.pairs.map { "\($0.name)=\(goQuote($0.value))" }.joined(separator: ", ") + "}"
}
