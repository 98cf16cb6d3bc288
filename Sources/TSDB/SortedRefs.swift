/// Set operations on strictly increasing reference lists (postings), shared by the head's
/// postings and the block index.
///
/// Contract: inputs are sorted ascending without duplicates; outputs are too.
enum SortedRefs {
    /// The references in both lists.
    static func intersect<Ref: BinaryInteger>(_ a: [Ref], _ b: [Ref]) -> [Ref] {
        var out: [Ref] = []
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] { out.append(a[i]); i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return out
    }

    /// The references of `a` that are not in `b`.
    static func subtract<Ref: BinaryInteger>(_ a: [Ref], _ b: [Ref]) -> [Ref] {
        var out: [Ref] = []
        out.reserveCapacity(a.count)
        var j = 0
        for ref in a {
            while j < b.count, b[j] < ref { j += 1 }
            if j < b.count, b[j] == ref { continue }
            out.append(ref)
        }
        return out
    }
}
