import Exposition
import MetricModel
import Testing

@Suite struct WriterTests {
    private func text(_ write: (inout [UInt8]) -> Void) -> String {
        var buffer: [UInt8] = []
        write(&buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test func sampleLines() {
        let labels = Labels(["__name__": "http_requests_total", "code": "200", "path": "a\\b\"c\nd"])
        #expect(text { ExpositionWriter.appendSample(labels, value: 1027, timestamp: 1_395_066_363_000, to: &$0) }
            == "http_requests_total{code=\"200\",path=\"a\\\\b\\\"c\\nd\"} 1027 1395066363000\n")
        #expect(text { ExpositionWriter.appendSample(Labels(["__name__": "up"]), value: 0.5, to: &$0) } == "up 0.5\n")
        #expect(text { ExpositionWriter.appendSample(Labels(["__name__": "a"]), value: .nan, to: &$0) } == "a NaN\n")
        #expect(text { ExpositionWriter.appendSample(Labels(["__name__": "a"]), value: .staleMarker, to: &$0) } == "a NaN\n")
        #expect(text { ExpositionWriter.appendSample(Labels(["__name__": "a"]), value: .infinity, to: &$0) } == "a +Inf\n")
        #expect(text { ExpositionWriter.appendSample(Labels(["__name__": "a"]), value: -.infinity, to: &$0) } == "a -Inf\n")
        #expect(text { ExpositionWriter.appendSample(Labels(["__name__": "a"]), value: 1e21, to: &$0) }
            == "a 1000000000000000000000\n")
        #expect(text { ExpositionWriter.appendSample(Labels(["__name__": "my.metric", "service.name": "x", "le": "1"]),
                                                     value: 2, to: &$0) }
            == "{\"my.metric\",le=\"1\",\"service.name\"=\"x\"} 2\n")
    }

    @Test func metadataLines() {
        #expect(text { ExpositionWriter.appendHelp(metricName: "m", help: "a\\b\nc \"q\"", to: &$0) }
            == "# HELP m a\\\\b\\nc \"q\"\n")
        #expect(text { ExpositionWriter.appendType(metricName: "m", type: .counter, to: &$0) } == "# TYPE m counter\n")
        #expect(text { ExpositionWriter.appendType(metricName: "m", type: .unknown, to: &$0) } == "# TYPE m untyped\n")
        #expect(text { ExpositionWriter.appendType(metricName: "m", type: .stateset, to: &$0) } == "# TYPE m untyped\n")
        #expect(text { ExpositionWriter.appendType(metricName: "a.b", type: .gauge, to: &$0) } == "# TYPE \"a.b\" gauge\n")
    }

    /// Random label sets, values and timestamps written by the writer parse back identically.
    @Test(arguments: [1, 2, 3, 42, 2026] as [UInt64]) func roundTrip(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var buffer: [UInt8] = []
        var expected: [(Labels, Double, Int64?)] = []
        var helps: [(String, String)] = []
        for _ in 0..<300 {
            let name = randomName(&rng, metric: true)
            if rng.next() % 4 == 0 {
                let help = randomText(&rng)
                ExpositionWriter.appendHelp(metricName: name, help: help, to: &buffer)
                ExpositionWriter.appendType(metricName: name, type: .gauge, to: &buffer)
                helps.append((name, help))
            }
            var pairs = [Label(Labels.metricName, name)]
            for _ in 0..<(rng.next() % 6) {
                pairs.append(Label(randomName(&rng, metric: false), randomText(&rng)))
            }
            let labels = Labels(pairs)
            let value = randomValue(&rng)
            let timestamp: Int64? = rng.next() % 2 == 0 ? nil : Int64(rng.next() >> 1)
            ExpositionWriter.appendSample(labels, value: value, timestamp: timestamp, to: &buffer)
            expected.append((labels, value, timestamp))
        }
        let body = String(decoding: buffer, as: UTF8.self)
        let parsed = try parseAll(body)
        let got = parsed.filter { $0.entry == .sample }.map { ($0.labels, $0.value, $0.timestamp) }
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) {
            #expect(g.0 == e.0)
            #expect(g.1 == e.1 || (g.1.isNaN && e.1.isNaN), "\(e.1)")
            #expect(g.2 == e.2)
        }
        let gotHelps = parsed.filter { $0.entry == .help }.map { [$0.name, $0.text] }
        #expect(gotHelps == helps.map { [$0.0, $0.1] })
    }

    private func randomName(_ rng: inout SplitMix64, metric: Bool) -> String {
        if rng.next() % 10 < 7 {
            let first = Array((metric ? "abcXYZ_:" : "abcXYZ_").unicodeScalars)
            let rest = Array((metric ? "abz_:09AZ" : "abz_09AZ").unicodeScalars)
            var s = String(first[Int(rng.next() % UInt64(first.count))])
            for _ in 0..<(rng.next() % 12) { s.unicodeScalars.append(rest[Int(rng.next() % UInt64(rest.count))]) }
            return s == "__name__" ? "n" : s
        }
        let s = randomText(&rng)
        return s.isEmpty || s == "__name__" ? "é.x" : s
    }

    private func randomText(_ rng: inout SplitMix64) -> String {
        let alphabet = Array("ab Z09_.:-\\\"\n\t{}=,#é€🔥\u{0}\r".unicodeScalars)
        var s = ""
        for _ in 0..<(rng.next() % 10) { s.unicodeScalars.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        return s
    }

    private func randomValue(_ rng: inout SplitMix64) -> Double {
        switch rng.next() % 8 {
        case 0: return [Double.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude,
                        .greatestFiniteMagnitude][Int(rng.next() % 7)]
        case 1: return Double(Int64(bitPattern: rng.next()) >> 20)
        case 2: return Double(rng.next() % 100_000) / 1000
        default:
            let bits = rng.next()
            let v = Double(bitPattern: bits)
            return v.isFinite ? v : Double(bitPattern: bits & 0x800F_FFFF_FFFF_FFFF)
        }
    }
}
