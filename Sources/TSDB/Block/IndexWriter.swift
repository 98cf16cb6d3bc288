import MetricModel

/// A series as the index records it: labels plus where its chunks are.
struct IndexedSeries {
    let labels: Labels
    let chunks: [ChunkMeta]
}

/// Constants of the index file: see docs/format/block.md.
enum IndexFormat {
    static let magic: UInt32 = 0x454D_4958  // "EMIX"
    static let version: UInt8 = 1
    static let headerSize = 8
    /// The sections, in file order; the table of contents lists them in this order.
    enum Section: Int, CaseIterable {
        case symbols, series, postings, labelIndex, segments
        var name: String {
            switch self {
            case .symbols: return "symbols"
            case .series: return "series"
            case .postings: return "postings"
            case .labelIndex: return "label index"
            case .segments: return "chunk segments"
            }
        }
    }
    /// Offset and length of each section, then a CRC32C of those bytes.
    static let tocSize = Section.allCases.count * 16 + 4
}

/// Writes a block's index file from series sorted by labels.
///
/// Contract: the series are strictly increasing by labels (the caller checked); every offset the
/// format stores in 32 bits must fit, otherwise this throws `invalidInput` naming the section.
/// Memory: the symbol table and the postings (one 32-bit reference per label pair of every series)
/// are built in memory; section bytes are streamed to the file.
enum IndexWriter {
    static func write(path: String, series: [IndexedSeries], segmentSizes: [Int]) throws(BlockError) {
        let file = try BlockFileWriter(path: path)
        var header = ByteEncoder()
        header.be32(IndexFormat.magic)
        header.append([IndexFormat.version, 0, 0, 0])
        try file.write(header.bytes)

        var toc: [(offset: Int, length: Int)] = []
        func section(_ body: () throws(BlockError) -> Void) throws(BlockError) {
            let start = file.position
            file.resetChecksum()
            try body()
            toc.append((start, file.position - start))
            try file.writeChecksum()
        }
        func check(_ value: Int, _ what: String) throws(BlockError) -> UInt32 {
            guard value <= Int(UInt32.max) else {
                throw BlockError(.invalidInput, path: path, "\(what) is larger than 4 GiB, which the index format cannot address")
            }
            return UInt32(value)
        }

        // Symbols: every label name and value once, sorted; a symbol's reference is its entry's
        // offset in the section.
        var symbolSet = Set<String>()
        for entry in series { for label in entry.labels { symbolSet.insert(label.name); symbolSet.insert(label.value) } }
        let symbols = symbolSet.sorted()
        var symbolRefs: [String: UInt32] = [:]
        symbolRefs.reserveCapacity(symbols.count)
        try section { () throws(BlockError) in
            var out = ByteEncoder()
            out.uvarint(UInt64(symbols.count))
            var base = 0
            for symbol in symbols {
                symbolRefs[symbol] = try check(base + out.bytes.count, "the symbol table")
                out.uvarint(UInt64(symbol.utf8.count))
                out.append(symbol.utf8)
                if out.bytes.count >= 1 << 16 { base += out.bytes.count; try file.write(out.bytes); out.bytes.removeAll(keepingCapacity: true) }
            }
            try file.write(out.bytes)
        }

        // Series: labels as symbol references, then chunk metas delta-encoded. A series' reference
        // is its entry's offset in the section, so references increase in label order.
        var postings: [String: [String: [UInt32]]] = [:]
        var all: [UInt32] = []
        all.reserveCapacity(series.count)
        try section { () throws(BlockError) in
            let start = file.position
            var out = ByteEncoder()
            for entry in series {
                let ref = try check(file.position + out.bytes.count - start, "the series section")
                all.append(ref)
                out.uvarint(UInt64(entry.labels.count))
                for label in entry.labels {
                    out.uvarint(UInt64(symbolRefs[label.name]!))
                    out.uvarint(UInt64(symbolRefs[label.value]!))
                    postings[label.name, default: [:]][label.value, default: []].append(ref)
                }
                out.uvarint(UInt64(entry.chunks.count))
                var previous: ChunkMeta?
                for chunk in entry.chunks {
                    if let previous {
                        out.uvarint(UInt64(bitPattern: chunk.minTime &- previous.maxTime))
                        out.uvarint(UInt64(bitPattern: chunk.maxTime &- chunk.minTime))
                        out.varint(Int64(bitPattern: chunk.ref &- previous.ref))
                    } else {
                        out.varint(chunk.minTime)
                        out.uvarint(UInt64(bitPattern: chunk.maxTime &- chunk.minTime))
                        out.uvarint(chunk.ref)
                    }
                    previous = chunk
                }
                if out.bytes.count >= 1 << 16 { try file.write(out.bytes); out.bytes.removeAll(keepingCapacity: true) }
            }
            try file.write(out.bytes)
        }

        // Postings: the list of all series first (at offset 0), then one list per label pair in
        // name, value order; the label index points at them.
        var labelIndex: [(name: String, values: [(value: String, offset: UInt32)])] = []
        try section { () throws(BlockError) in
            let start = file.position
            func list(_ refs: [UInt32]) throws(BlockError) -> UInt32 {
                let offset = try check(file.position - start, "the postings section")
                var out = ByteEncoder()
                out.uvarint(UInt64(refs.count))
                var previous: UInt32 = 0
                for ref in refs { out.uvarint(UInt64(ref &- previous)); previous = ref }
                try file.write(out.bytes)
                return offset
            }
            _ = try list(all)
            for name in postings.keys.sorted() {
                let values = postings[name]!
                var entries: [(value: String, offset: UInt32)] = []
                entries.reserveCapacity(values.count)
                for value in values.keys.sorted() { entries.append((value, try list(values[value]!))) }
                labelIndex.append((name, entries))
            }
        }
        postings = [:]

        // Label index: for each name, its sorted values with the offsets of their postings, in
        // fixed-width entries so a value can be found by binary search.
        try section { () throws(BlockError) in
            var out = ByteEncoder()
            out.be32(UInt32(labelIndex.count))
            for (name, values) in labelIndex {
                out.be32(symbolRefs[name]!)
                out.be32(UInt32(values.count))
                for (value, offset) in values {
                    out.be32(symbolRefs[value]!)
                    out.be32(offset)
                }
                if out.bytes.count >= 1 << 16 { try file.write(out.bytes); out.bytes.removeAll(keepingCapacity: true) }
            }
            try file.write(out.bytes)
        }

        // Chunk segments: how long each segment file must be.
        try section { () throws(BlockError) in
            var out = ByteEncoder()
            out.be32(UInt32(segmentSizes.count))
            for size in segmentSizes { out.be64(UInt64(size)) }
            try file.write(out.bytes)
        }

        var tocBytes = ByteEncoder()
        for (offset, length) in toc { tocBytes.be64(UInt64(offset)); tocBytes.be64(UInt64(length)) }
        tocBytes.be32(CRC32C.checksum(tocBytes.bytes))
        try file.write(tocBytes.bytes)
        try file.finish()
    }
}
