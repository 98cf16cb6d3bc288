import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // RFC 3720, appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func slicedMatchesBytewiseAtEveryLengthAndSplit() {
        var rng = SplitMix64(seed: 7)
        let data = (0..<100).map { _ in UInt8.random(in: 0...255, using: &rng) }
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        for length in 0...data.count {
            let whole = CRC32C.checksum(Array(data[..<length]))
            #expect(whole == bitwise(data[..<length]))
            let split = length / 3
            let first = CRC32C.checksum(Array(data[..<split]))
            let chained = Array(data[split..<length]).withUnsafeBytes { CRC32C.update(first, $0) }
            #expect(chained == whole)
        }
    }
}

extension CRC32CTests {
    @Test func hardwareAndTablesAgreeAtEveryLengthAndAlignment() {
        var rng = SplitMix64(seed: 11)
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for length in 0...(all.count - start) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    let seed = UInt32(truncatingIfNeeded: length &* 2_654_435_761)
                    #expect(CRC32C.update(seed, slice) == CRC32C.softwareUpdate(seed, slice))
                }
            }
        }
    }
}

@Suite struct WALRecordTests {
    @Test func seriesAndSamplesRoundTrip() throws {
        let series = WALRecord.series([
            .init(ref: 1, labels: metric("up", ["job": "api", "instance": "a:1"])),
            .init(ref: 300, labels: metric("é_unicode", ["x": "\u{1F600}"])),
            .init(ref: .max, labels: Labels(sortedUnique: [Label("only", "label")])),
        ])
        #expect(try WALRecord.decode(series.encode()) == series)
        let samples = WALRecord.samples([
            WALSample(ref: 1, timestamp: 1_700_000_000_000, value: 1),
            WALSample(ref: 300, timestamp: .min, value: .staleMarker),
            WALSample(ref: .max, timestamp: .max, value: Double(bitPattern: 0x7FF8_0000_0000_0001)),
            WALSample(ref: 2, timestamp: -5, value: -0.0),
        ])
        #expect(try WALRecord.decode(samples.encode()) == samples)
        #expect(try WALRecord.decode(WALRecord.samples([]).encode()) == .samples([]))
    }

    @Test func malformedPayloadsAreRejectedWithTheReason() {
        func error(_ bytes: [UInt8]) -> String? {
            do { _ = try WALRecord.decode(bytes); return nil } catch { return error.description }
        }
        #expect(error([]) == "record ends inside the record type at byte 0")
        #expect(error([9, 0]) == "unknown record type 9")
        #expect(error([2, 1, 0, 5]) == "samples record claims 1 samples in 4 bytes")
        let good = WALRecord.samples([WALSample(ref: 1, timestamp: 10, value: 1)]).encode()
        #expect(error(good + [0]) == "1 trailing bytes after the record")
        #expect(error(Array(good.dropLast())) == "record ends inside the sample value at byte 5")
        // Labels must be sorted and non-empty, as the head relies on it.
        #expect(error([1, 1, 7, 2, 1, 0x62, 1, 0x76, 1, 0x61, 1, 0x76]) == "series 7 has labels out of order (\"b\" before \"a\")")
        #expect(error([1, 1, 7, 1, 1, 0x61, 0]) == "series 7 has an empty value for label \"a\"")
        #expect(error([1, 1, 7, 1, 5, 0x61]) == "record ends inside the label name at byte 5")
        #expect(error([1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) == "series reference overflows 64 bits at byte 11")
        // Samples are decoded by a fast loop first; its failures still get the field-by-field message.
        let overflow: [UInt8] = [2, 1, 0] + [UInt8](repeating: 0xFF, count: 9) + [0x02, 0] + [UInt8](repeating: 0, count: 8)
        #expect(error(overflow) == "sample series reference overflows 64 bits at byte 12")
        // Eight samples whose last timestamp delta takes two bytes (enough bytes for the count check).
        let eight = WALRecord.samples((0..<8).map { WALSample(ref: SeriesRef($0 + 1), timestamp: 10 + Int64($0) * 300, value: 1) }).encode()
        #expect(error(Array(eight.prefix(eight.count - 9))) == "record ends inside the timestamp delta at byte \(eight.count - 9)")
        #expect(error(Array(eight.prefix(eight.count - 3))) == "record ends inside the sample value at byte \(eight.count - 8)")
    }

    @Test func framesScanUntilTheFirstBadRecord() {
        let first = WALFrame.encode(.series([.init(ref: 1, labels: metric("a"))]))
        let second = WALFrame.encode(.samples([WALSample(ref: 1, timestamp: 5, value: 2)]))
        var seen: [Int] = []
        #expect(WALFrame.scan(first + second) { _, offset in seen.append(offset) } == .init(goodLength: first.count + second.count, problem: nil))
        #expect(seen == [0, first.count])

        let torn = WALFrame.scan(first + second.prefix(5)) { _, _ in }
        #expect(torn == .init(goodLength: first.count, problem: "torn record header: 5 of 12 bytes"))
        let short = WALFrame.scan(first + second.dropLast()) { _, _ in }
        #expect(short == .init(goodLength: first.count, problem: "torn record: header announces \(second.count - 12) bytes, \(second.count - 13) present"))

        var flipped = second
        flipped[flipped.count - 1] ^= 0x01
        let stored = UInt32(second[0]) | UInt32(second[1]) << 8 | UInt32(second[2]) << 16 | UInt32(second[3]) << 24
        let computed = flipped.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[4...])) }
        let bad = WALFrame.scan(first + flipped + first) { _, _ in }
        #expect(bad == .init(goodLength: first.count, problem: "CRC32C mismatch: stored \(WALFrame.hex(stored)), computed \(WALFrame.hex(computed))"))

        let zeros = WALFrame.scan(first + [UInt8](repeating: 0, count: 64)) { _, _ in }
        #expect(zeros.goodLength == first.count)
        #expect(zeros.problem == "CRC32C mismatch: stored 0x00000000, computed \(WALFrame.hex(CRC32C.checksum([UInt8](repeating: 0, count: 8))))")
    }
}
