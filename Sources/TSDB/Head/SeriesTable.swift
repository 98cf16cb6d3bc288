import Storage

/// Head series by reference, for the append path's lookup of a cached reference.
///
/// Contract: a map from `SeriesRef` to `MemSeries` with dictionary semantics (`subscript` get and
/// set, nil removes; `count` is the number of references present; `values` lists them in
/// reference order). References are handed out in increasing order from 1, so they are kept in
/// pages of `pageSize` slots indexed by the reference itself: a lookup is two array reads, no
/// hashing. A page whose slots are all empty again (its series removed) is freed, so a head with
/// churn keeps pages only for references that still live. References from `sparseFloor` up (only
/// a damaged or foreign write-ahead log would have them) go to a dictionary instead of growing
/// the page list. Not thread-safe: the head uses it under its index lock.
struct SeriesTable {
    static let pageBits = 12
    static let pageSize = 1 << pageBits
    static let sparseFloor: SeriesRef = 1 << 36

    /// One page: `pageSize` slots and how many of them hold a series.
    private final class Page {
        var slots: [MemSeries?] = Array(repeating: nil, count: SeriesTable.pageSize)
        var live = 0
    }

    private var pages: [Page?] = []
    private var sparse: [SeriesRef: MemSeries] = [:]
    private(set) var count = 0

    subscript(ref: SeriesRef) -> MemSeries? {
        get {
            guard ref < Self.sparseFloor else { return sparse[ref] }
            let page = Int(truncatingIfNeeded: ref >> SeriesRef(Self.pageBits))
            guard page < pages.count, let slots = pages[page] else { return nil }
            return slots.slots[Int(truncatingIfNeeded: ref) & (Self.pageSize - 1)]
        }
        set {
            guard ref < Self.sparseFloor else {
                count += (newValue == nil ? 0 : 1) - (sparse[ref] == nil ? 0 : 1)
                sparse[ref] = newValue
                return
            }
            let pageIndex = Int(truncatingIfNeeded: ref >> SeriesRef(Self.pageBits))
            let slot = Int(truncatingIfNeeded: ref) & (Self.pageSize - 1)
            if pageIndex >= pages.count {
                guard newValue != nil else { return }
                pages.append(contentsOf: repeatElement(nil, count: pageIndex + 1 - pages.count))
            }
            let page: Page
            if let existing = pages[pageIndex] {
                page = existing
            } else {
                guard newValue != nil else { return }
                page = Page()
                pages[pageIndex] = page
            }
            let delta = (newValue == nil ? 0 : 1) - (page.slots[slot] == nil ? 0 : 1)
            page.slots[slot] = newValue
            page.live += delta
            count += delta
            if page.live == 0 { pages[pageIndex] = nil }
        }
    }

    /// Pages currently allocated (for tests).
    var pageCount: Int { pages.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Every series, in reference order.
    var values: [MemSeries] {
        var out: [MemSeries] = []
        out.reserveCapacity(count)
        for case let page? in pages {
            for case let series? in page.slots { out.append(series) }
        }
        for ref in sparse.keys.sorted() { out.append(sparse[ref]!) }
        return out
    }
}
