import MetricModel

/// Appends the samples with `low < t <= high` of time-ordered, non-overlapping chunks, decoding
/// each chunk with its `XORIterator` directly (no iterator object or dynamic call per sample) and
/// joining `timestamps` and `values` 128 samples at a time: appending one by one checks capacity
/// and uniqueness twice per sample.
///
/// Contract: `span` gives a chunk's first and last timestamps (nil for an empty chunk, which is
/// skipped); a chunk whose bytes stop decoding gives the samples before that point and the next
/// chunk follows, as the chunk-list iterators do.
@inline(__always)
func appendChunkSamples<Chunks: Sequence>(
    _ chunks: Chunks, low: Timestamp, high: Timestamp,
    timestamps: inout [Timestamp], values: inout [Double],
    span: (Chunks.Element) -> (first: Timestamp, last: Timestamp)?,
    decoder: (Chunks.Element) -> XORIterator
) {
    guard low < high else { return }
    let batch = 128
    withUnsafeTemporaryAllocation(of: Timestamp.self, capacity: batch) { times in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: batch) { floats in
            var count = 0
            defer {
                timestamps.append(contentsOf: UnsafeBufferPointer(rebasing: times[..<count]))
                values.append(contentsOf: UnsafeBufferPointer(rebasing: floats[..<count]))
            }
            for chunk in chunks {
                guard let (first, last) = span(chunk), last > low else { continue }
                if first > high { return }
                var iterator = decoder(chunk)
                while iterator.next() {
                    let time = iterator.timestamp
                    if time <= low { continue }
                    if time > high { return }
                    if count == batch {
                        timestamps.append(contentsOf: UnsafeBufferPointer(times))
                        values.append(contentsOf: UnsafeBufferPointer(floats))
                        count = 0
                    }
                    times[count] = time
                    floats[count] = iterator.value
                    count += 1
                }
            }
        }
    }
}
