import Storage
import Testing
@testable import TSDB

/// The label index against a dictionary, through growth and removals in random order, with
/// many colliding home slots.
@Suite struct LabelIndexTests {
    @Test func behavesLikeADictionaryUnderChurn() {
        var generator = SystemRandomNumberGenerator()
        var index = LabelIndex()
        var model: [SeriesLabels: SeriesRef] = [:]
        var labelsByRef: [SeriesRef: SeriesLabels] = [:]
        var nextRef: SeriesRef = 1
        let lookup: (SeriesRef) -> SeriesLabels? = { labelsByRef[$0] }
        for round in 0..<40 {
            // Add a batch of new label sets (ids drawn from a small space: many equal prefixes).
            for _ in 0..<(round < 20 ? 300 : 100) {
                let ids = SeriesLabels(ids: (0..<4).map { _ in UInt32.random(in: 0..<40, using: &generator) })
                if model[ids] != nil { continue }
                labelsByRef[nextRef] = ids
                index.insert(nextRef, ids) { labelsByRef[$0] }
                model[ids] = nextRef
                nextRef += 1
            }
            // Remove a random share.
            for (ids, ref) in model where Int.random(in: 0..<4, using: &generator) == 0 {
                index.remove(ref, ids) { labelsByRef[$0] }
                model[ids] = nil
                labelsByRef[ref] = nil
            }
            #expect(index.count == model.count)
            for (ids, ref) in model { #expect(index.find(ids, labelsOf: lookup) == ref) }
        }
        // Absent sets are not found, and removing an absent reference changes nothing.
        let absent = SeriesLabels(ids: [999, 999])
        #expect(index.find(absent, labelsOf: lookup) == nil)
        index.remove(123_456, absent) { labelsByRef[$0] }
        #expect(index.count == model.count)
    }
}
