import MetricModel

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
/// Memory: besides the packed series table, a 32-bit reference per string, per series and per
/// label pair of every series (the postings); section bytes are streamed to the file.
enum IndexWriter {
    static func write(path: String, series table: IndexedSeriesTable, segmentSizes: [Int]) throws(BlockError) {
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
        // offset in the section. `rank` is a string's place in that order.
        let strings = table.strings
        let sorted = strings.indices.sorted { strings[$0] < strings[$1] }
        var symbolRefs = [UInt32](repeating: 0, count: strings.count)
        var rank = [UInt32](repeating: 0, count: strings.count)
        try section { () throws(BlockError) in
            var out = ByteEncoder()
            out.uvarint(UInt64(strings.count))
            var base = 0
            for (place, number) in sorted.enumerated() {
                let symbol = strings[number]
                symbolRefs[number] = try check(base + out.bytes.count, "the symbol table")
                rank[number] = UInt32(place)
                out.uvarint(UInt64(symbol.utf8.count))
                out.append(symbol.utf8)
                if out.bytes.count >= 1 << 16 { base += out.bytes.count; try file.write(out.bytes); out.bytes.removeAll(keepingCapacity: true) }
            }
            try file.write(out.bytes)
        }

        // Series: labels as symbol references, then chunk metas delta-encoded. A series' reference
        // is its entry's offset in the section, so references increase in label order.
        var all: [UInt32] = []
        all.reserveCapacity(table.count)
        var seriesPerPair = [UInt32](repeating: 0, count: table.pairNames.count)
        try section { () throws(BlockError) in
            let start = file.position
            var out = ByteEncoder()
            for index in 0..<table.count {
                let ref = try check(file.position + out.bytes.count - start, "the series section")
                all.append(ref)
                let pairs = table.pairs(of: index)
                out.uvarint(UInt64(pairs.count))
                for pair in pairs {
                    out.uvarint(UInt64(symbolRefs[Int(table.pairNames[Int(pair)])]))
                    out.uvarint(UInt64(symbolRefs[Int(table.pairValues[Int(pair)])]))
                    seriesPerPair[Int(pair)] += 1
                }
                let chunks = table.chunks(of: index)
                out.uvarint(UInt64(chunks.count))
                var previous: ChunkMeta?
                for chunk in chunks {
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

        // Postings by counting: each pair's series references, in series (so reference) order.
        var postingsStart = [Int](repeating: 0, count: seriesPerPair.count + 1)
        for pair in seriesPerPair.indices { postingsStart[pair + 1] = postingsStart[pair] + Int(seriesPerPair[pair]) }
        seriesPerPair = []
        var postings = [UInt32](repeating: 0, count: postingsStart.last!)
        var filled = postingsStart
        for index in 0..<table.count {
            for pair in table.pairs(of: index) {
                postings[filled[Int(pair)]] = all[index]
                filled[Int(pair)] += 1
            }
        }
        filled = []
        // Pairs in name, value order.
        let pairOrder = table.pairNames.indices.sorted {
            let a = (rank[Int(table.pairNames[$0])], rank[Int(table.pairValues[$0])])
            let b = (rank[Int(table.pairNames[$1])], rank[Int(table.pairValues[$1])])
            return a < b
        }

        // Postings: the list of all series first (at offset 0), then one list per label pair in
        // name, value order; the label index points at them.
        var labelIndex: [(name: UInt32, values: [(value: UInt32, offset: UInt32)])] = []
        try section { () throws(BlockError) in
            let start = file.position
            func list(_ refs: ArraySlice<UInt32>) throws(BlockError) -> UInt32 {
                let offset = try check(file.position - start, "the postings section")
                var out = ByteEncoder()
                out.uvarint(UInt64(refs.count))
                var previous: UInt32 = 0
                for ref in refs { out.uvarint(UInt64(ref &- previous)); previous = ref }
                try file.write(out.bytes)
                return offset
            }
            _ = try list(all[...])
            for pair in pairOrder {
                let name = table.pairNames[pair], value = table.pairValues[pair]
                let offset = try list(postings[postingsStart[pair]..<postingsStart[pair + 1]])
                if labelIndex.last?.name != name { labelIndex.append((name, [])) }
                labelIndex[labelIndex.count - 1].values.append((value, offset))
            }
        }
        postings = []

        // Label index: for each name, its sorted values with the offsets of their postings, in
        // fixed-width entries so a value can be found by binary search.
        try section { () throws(BlockError) in
            var out = ByteEncoder()
            out.be32(UInt32(labelIndex.count))
            for (name, values) in labelIndex {
                out.be32(symbolRefs[Int(name)])
                out.be32(UInt32(values.count))
                for (value, offset) in values {
                    out.be32(symbolRefs[Int(value)])
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
