import MetricModel
import Storage

/// Reads a block's memory-mapped index file.
///
/// Contract: `init` validates the header, the table of contents and every section's CRC32C, and
/// parses the chunk segment sizes and the list of label names; everything else is decoded on
/// demand from the mapping. Every decode is bounds-checked and reports a `BlockError` naming the
/// index file and the offset instead of trapping.
final class IndexReader: Sendable {
    /// One label name of the label index: where its fixed-width value entries start.
    struct LabelName: Sendable {
        let name: String
        /// Absolute file offset of the first (value symbol, postings offset) entry.
        let entries: Int
        let count: Int
    }

    let file: MappedFile
    let symbols: Range<Int>
    let series: Range<Int>
    let postings: Range<Int>
    let segmentSizes: [Int]
    /// Sorted by name.
    let names: [LabelName]

    init(file: MappedFile) throws(BlockError) {
        self.file = file
        let size = file.count
        let minimum = IndexFormat.headerSize + IndexFormat.tocSize
        guard size >= minimum else {
            throw .corrupt(file.path, at: nil, "file is \(size) bytes, shorter than its header and table of contents (\(minimum) bytes)")
        }
        guard file.be32(at: 0) == IndexFormat.magic else { throw .corrupt(file.path, at: 0, "not a block index (bad magic number)") }
        guard file.buffer[4] == IndexFormat.version else {
            throw .corrupt(file.path, at: 4, "unsupported index version \(file.buffer[4])")
        }
        let tocStart = size - IndexFormat.tocSize
        guard file.checksum(tocStart..<(size - 4)) == file.be32(at: size - 4) else {
            throw .corrupt(file.path, at: tocStart, "table of contents checksum mismatch (truncated or damaged index)")
        }
        var toc = ByteDecoder(file, from: tocStart, to: size - 4)
        var ranges: [Range<Int>] = []
        for section in IndexFormat.Section.allCases {
            let offset = try toc.be64(), length = try toc.be64()
            guard offset >= UInt64(IndexFormat.headerSize), length <= UInt64(tocStart), offset <= UInt64(tocStart) - length,
                  Int(offset) + Int(length) + 4 <= tocStart else {
                throw .corrupt(file.path, at: tocStart, "table of contents places the \(section.name) section (\(length) bytes at \(offset)) outside the file")
            }
            let range = Int(offset)..<(Int(offset) + Int(length))
            guard file.checksum(range) == file.be32(at: range.upperBound) else {
                throw .corrupt(file.path, at: range.lowerBound, "\(section.name) section checksum mismatch (\(length) bytes)")
            }
            ranges.append(range)
        }
        symbols = ranges[IndexFormat.Section.symbols.rawValue]
        series = ranges[IndexFormat.Section.series.rawValue]
        postings = ranges[IndexFormat.Section.postings.rawValue]

        let segmentRange = ranges[IndexFormat.Section.segments.rawValue]
        var segments = ByteDecoder(file, from: segmentRange.lowerBound, to: segmentRange.upperBound)
        let segmentCount = Int(try segments.be32())
        var sizes: [Int] = []
        for _ in 0..<min(segmentCount, segments.remaining / 8) { sizes.append(Int(clamping: try segments.be64())) }
        guard sizes.count == segmentCount, segments.remaining == 0 else {
            throw segments.failure("chunk segment table does not match its length")
        }
        segmentSizes = sizes

        let labelRange = ranges[IndexFormat.Section.labelIndex.rawValue]
        var labels = ByteDecoder(file, from: labelRange.lowerBound, to: labelRange.upperBound)
        let nameCount = Int(try labels.be32())
        var names: [LabelName] = []
        names.reserveCapacity(min(nameCount, labels.remaining / 8))
        for _ in 0..<nameCount {
            let nameRef = try labels.be32()
            let count = Int(try labels.be32())
            let entries = labels.position
            guard count <= labels.remaining / 8 else { throw labels.failure("label index entry of \(count) values runs past its section") }
            try labels.skip(count * 8)
            let name = try Self.symbol(file, ranges[IndexFormat.Section.symbols.rawValue], UInt64(nameRef))
            names.append(LabelName(name: name, entries: entries, count: count))
        }
        guard labels.remaining == 0 else { throw labels.failure("\(labels.remaining) unexpected bytes after the label index") }
        self.names = names
    }

    private static func symbol(_ file: MappedFile, _ symbols: Range<Int>, _ ref: UInt64) throws(BlockError) -> String {
        guard ref < UInt64(symbols.count) else {
            throw .corrupt(file.path, at: symbols.lowerBound, "symbol reference \(ref) is outside the symbol table (\(symbols.count) bytes)")
        }
        var decoder = ByteDecoder(file, from: symbols.lowerBound + Int(ref), to: symbols.upperBound)
        let length = try decoder.count(limit: decoder.remaining, "symbol length")
        return try decoder.string(count: length)
    }

    func symbol(_ ref: UInt64) throws(BlockError) -> String { try Self.symbol(file, symbols, ref) }

    /// The series entry at `ref` (its offset in the series section).
    func series(_ ref: UInt32) throws(BlockError) -> (labels: Labels, chunks: [ChunkMeta]) {
        guard Int(ref) < series.count else {
            throw .corrupt(file.path, at: series.lowerBound, "series reference \(ref) is outside the series section (\(series.count) bytes)")
        }
        var decoder = ByteDecoder(file, from: series.lowerBound + Int(ref), to: series.upperBound)
        let labelCount = try decoder.count(limit: decoder.remaining / 2, "label count")
        var pairs: [Label] = []
        pairs.reserveCapacity(labelCount)
        for _ in 0..<labelCount {
            let name = try symbol(try decoder.uvarint())
            pairs.append(Label(name, try symbol(try decoder.uvarint())))
        }
        let chunkCount = try decoder.count(limit: decoder.remaining / 3, "chunk count")
        var chunks: [ChunkMeta] = []
        chunks.reserveCapacity(chunkCount)
        var previous: ChunkMeta?
        for _ in 0..<chunkCount {
            let chunk: ChunkMeta
            if let previous {
                let minTime = previous.maxTime &+ Int64(bitPattern: try decoder.uvarint())
                let maxTime = minTime &+ Int64(bitPattern: try decoder.uvarint())
                chunk = ChunkMeta(minTime: minTime, maxTime: maxTime, ref: previous.ref &+ UInt64(bitPattern: try decoder.varint()))
            } else {
                let minTime = try decoder.varint()
                let maxTime = minTime &+ Int64(bitPattern: try decoder.uvarint())
                chunk = ChunkMeta(minTime: minTime, maxTime: maxTime, ref: try decoder.uvarint())
            }
            chunks.append(chunk)
            previous = chunk
        }
        return (Labels(sortedUnique: pairs), chunks)
    }

    /// The postings list at `offset` in the postings section: series references, increasing.
    func postings(at offset: UInt32) throws(BlockError) -> [UInt32] {
        guard Int(offset) < postings.count else {
            throw .corrupt(file.path, at: postings.lowerBound, "postings offset \(offset) is outside the postings section (\(postings.count) bytes)")
        }
        var decoder = ByteDecoder(file, from: postings.lowerBound + Int(offset), to: postings.upperBound)
        let count = try decoder.count(limit: decoder.remaining, "postings count")
        var refs: [UInt32] = []
        refs.reserveCapacity(count)
        var ref: UInt64 = 0
        for _ in 0..<count {
            let start = decoder.position
            ref += try decoder.uvarint()
            guard ref <= UInt64(UInt32.max) else { throw decoder.failure("series reference overflows 32 bits", at: start) }
            refs.append(UInt32(ref))
        }
        return refs
    }

    /// Every series, in label order.
    func allPostings() throws(BlockError) -> [UInt32] { try postings(at: 0) }

    func labelName(_ name: String) -> LabelName? {
        var low = 0, high = names.count
        while low < high {
            let mid = (low + high) / 2
            if names[mid].name < name { low = mid + 1 } else { high = mid }
        }
        return low < names.count && names[low].name == name ? names[low] : nil
    }

    /// Value entry `index` of a label name: the value and the offset of its postings.
    func valueEntry(_ name: LabelName, _ index: Int) throws(BlockError) -> (value: String, postings: UInt32) {
        let offset = name.entries + index * 8
        return (try symbol(UInt64(file.be32(at: offset))), file.be32(at: offset + 4))
    }

    /// The sorted values of `name` in the block.
    func values(of name: String) throws(BlockError) -> [String] {
        guard let entry = labelName(name) else { return [] }
        var values: [String] = []
        values.reserveCapacity(entry.count)
        for index in 0..<entry.count { values.append(try valueEntry(entry, index).value) }
        return values
    }

    /// The postings offsets of the values of `name` that `matcher` accepts.
    private func matchingPostings(_ name: LabelName, _ matcher: LabelMatcher, accept: Bool) throws(BlockError) -> [UInt32] {
        if matcher.kind == .equal && accept {
            var low = 0, high = name.count
            while low < high {
                let mid = (low + high) / 2
                if try valueEntry(name, mid).value < matcher.value { low = mid + 1 } else { high = mid }
            }
            guard low < name.count else { return [] }
            let found = try valueEntry(name, low)
            return found.value == matcher.value ? [found.postings] : []
        }
        var offsets: [UInt32] = []
        for index in 0..<name.count {
            let entry = try valueEntry(name, index)
            if matcher.matches(entry.value) == accept { offsets.append(entry.postings) }
        }
        return offsets
    }

    private func union(_ offsets: [UInt32]) throws(BlockError) -> [UInt32] {
        if offsets.count == 1 { return try postings(at: offsets[0]) }
        var all: [UInt32] = []
        for offset in offsets { all.append(contentsOf: try postings(at: offset)) }
        all.sort()
        var unique: [UInt32] = []
        unique.reserveCapacity(all.count)
        for ref in all where unique.last != ref { unique.append(ref) }
        return unique
    }

    /// References of the series satisfying every matcher, increasing (so in label order).
    /// A matcher rejecting "" needs the label: intersect with the union of its accepted values'
    /// postings. A matcher accepting "" also passes series without the label: subtract the union
    /// of its rejected values' postings.
    func select(_ matchers: [LabelMatcher]) throws(BlockError) -> [UInt32] {
        var result: [UInt32]?
        var subtractions: [[UInt32]] = []
        for matcher in matchers where !matcher.matchesEmpty {
            guard let name = labelName(matcher.name) else { return [] }
            let list = try union(try matchingPostings(name, matcher, accept: true))
            result = result.map { SortedRefs.intersect($0, list) } ?? list
            if result!.isEmpty { return [] }
        }
        for matcher in matchers where matcher.matchesEmpty {
            guard let name = labelName(matcher.name) else { continue }
            let rejected = try matchingPostings(name, matcher, accept: false)
            if !rejected.isEmpty { subtractions.append(try union(rejected)) }
        }
        var refs: [UInt32]
        if let result { refs = result } else { refs = try allPostings() }
        for list in subtractions { refs = SortedRefs.subtract(refs, list) }
        return refs
    }
}
