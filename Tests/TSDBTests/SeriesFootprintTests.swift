import Testing
@testable import TSDB

/// Every active series holds one `MemSeries` with an open chunk: the packing their doc comments
/// promise is what keeps a series at 160 bytes of heap (with malloc's header).
@Suite struct SeriesFootprintTests {
    @Test func chunkStatePacksInto48Bytes() {
        #expect(MemoryLayout<XORChunk>.size == 48)
    }

    @Test func seriesStatePacksBehindTheLock() {
        // Two arrays, the open chunk, last and pending samples (5 words), the sample count and
        // two flags in the last word: 110 bytes.
        #expect(MemoryLayout<MemSeries.Chunks>.size == 110)
    }
}
