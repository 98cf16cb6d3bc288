import Storage
import Testing
@testable import TSDB

/// Posting lists keep references in 32 bits until one does not fit, and behave like a sorted
/// array of 64-bit references throughout.
@Suite struct PostingListTests {
    @Test func behavesLikeASortedArrayAcrossThe32BitEdge() {
        var generator = SystemRandomNumberGenerator()
        var list = PostingList()
        var model: [SeriesRef] = []
        var ref: SeriesRef = 1
        for step in 0..<3_000 {
            // Mostly small steps; one jump past 2^32 half way.
            ref += step == 1_500 ? (1 << 32) : SeriesRef.random(in: 1...5, using: &generator)
            list.append(ref)
            model.append(ref)
        }
        #expect(list.refs == model && list.count == model.count)
        let drop = Set(model.filter { _ in Bool.random(using: &generator) })
        list.removeAll { drop.contains($0) }
        model.removeAll { drop.contains($0) }
        #expect(list.refs == model && list.count == model.count)
        list.removeAll { _ in true }
        #expect(list.isEmpty && list.refs.isEmpty)
    }
}
