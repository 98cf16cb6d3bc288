import Storage

/// The head's series by label set: an open-addressing table (linear probing, power-of-two size,
/// at most four fifths full) of references alone, 8 bytes a slot. The key of a slot is the label
/// ids of the series it names, read through `labelsOf` (the head's series table) when a probe
/// needs it, so no label set is stored twice: a `[SeriesLabels: SeriesRef]` dictionary took
/// 16 bytes a slot at a fill of at most three quarters (4 MB at 100k series, this takes 1 MB).
///
/// Contract: `find` returns the reference whose series has exactly these ids, or nil. `insert`
/// adds a reference whose ids are not present yet; `remove` takes one out (backward-shift
/// deletion, so no tombstones accumulate under churn). `labelsOf` must return the ids of every
/// reference present in the table. Not thread-safe: the head uses it under its index lock.
struct LabelIndex {
    private var slots: [SeriesRef] = Array(repeating: 0, count: 16)
    private(set) var count = 0

    private var mask: Int { slots.count - 1 }

    private func home(_ ids: SeriesLabels) -> Int { ids.hashValue & mask }

    func find(_ ids: SeriesLabels, labelsOf: (SeriesRef) -> SeriesLabels?) -> SeriesRef? {
        var slot = home(ids)
        while true {
            let ref = slots[slot]
            if ref == 0 { return nil }
            if labelsOf(ref) == ids { return ref }
            slot = (slot + 1) & mask
        }
    }

    mutating func insert(_ ref: SeriesRef, _ ids: SeriesLabels, labelsOf: (SeriesRef) -> SeriesLabels?) {
        precondition(ref != 0, "reference 0 means none")
        if (count + 1) * 5 > slots.count * 4 { grow(labelsOf: labelsOf) }
        place(ref, home(ids))
        count += 1
    }

    mutating func remove(_ ref: SeriesRef, _ ids: SeriesLabels, labelsOf: (SeriesRef) -> SeriesLabels?) {
        var slot = home(ids)
        while slots[slot] != ref {
            if slots[slot] == 0 { return }
            slot = (slot + 1) & mask
        }
        // Move later entries of the run back into the hole when their home allows it.
        var hole = slot
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let moving = slots[next]
            guard let movingIDs = labelsOf(moving) else { preconditionFailure("label index holds reference \(moving) of no series") }
            let wanted = home(movingIDs)
            // The entry may fill the hole unless its home lies cyclically in (hole, next].
            let distanceToNext = (next - wanted) & mask, distanceToHole = (hole - wanted) & mask
            if distanceToHole < distanceToNext {
                slots[hole] = moving
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
        count -= 1
    }

    private mutating func place(_ ref: SeriesRef, _ start: Int) {
        var slot = start
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = ref
    }

    private mutating func grow(labelsOf: (SeriesRef) -> SeriesLabels?) {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        for ref in old where ref != 0 {
            guard let ids = labelsOf(ref) else { preconditionFailure("label index holds reference \(ref) of no series") }
            place(ref, home(ids))
        }
    }
}
