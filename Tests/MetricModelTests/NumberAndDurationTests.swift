import Testing
@testable import MetricModel

@Suite struct PrometheusNumberTests {
    @Test(arguments: [
        (1.0, "1"), (0.5, "0.5"), (-2.25, "-2.25"), (1e-5, "0.00001"), (1.5e20, "150000000000000000000"),
        (123456.789, "123456.789"), (0.1 + 0.2, "0.30000000000000004"), (100, "100"),
        (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (0, "0"),
        (1e21, "1000000000000000000000"), (5e-324, "0." + String(repeating: "0", count: 323) + "5"),
    ])
    func formatsLikeGo(value: Double, expected: String) {
        #expect(PrometheusNumber.format(value) == expected)
        #expect(String(decoding: Self.text(value), as: UTF8.self) == expected)
    }

    @Test func theWrittenTextIsFormatsText() {
        var state: UInt64 = 7
        var values: [Double] = [-0.0, 0.001, 0.0001, 1e-7, 123.0, 9007199254740992, 1e16, 1e300, -1e-300, 0.125,
                                Double.greatestFiniteMagnitude, Double.leastNormalMagnitude, 1700000000.123,
                                9007199254740991, -9007199254740991, 9007199254740993, 4503599627370495.5, -1, 1, 10]
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Double(bitPattern: state))
            values.append(Double(state >> 20) / 1000)
            // Whole numbers of every size, both signs (the integer path and its edge at 2^53).
            values.append(Double(Int64(bitPattern: state) >> Int64(state % 64)))
        }
        for value in values {
            #expect(String(decoding: Self.text(value), as: UTF8.self) == PrometheusNumber.format(value), "\(value)")
        }
    }

    /// Decimals of every length and position: the short-decimal path must print exactly what the
    /// general one does, and must take the common shapes (a gauge with three decimals, a ratio).
    @Test func shortDecimalsMatchTheGeneralPrinter() {
        var state: UInt64 = 99
        var values: [Double] = [1e-5, 9.99999e-6, 1.0000000000000002e-5, 99999999999999.9, 1e14 - 0.5, 0.1 + 0.2,
                                0.3, 2.675, 1.005, 123456789012.345, 0.1, 0.7, 1.113, 9.999999999999999,
                                99999999999999.98, 0.000123456789012345, 4.35, 0.29]
        var powers: [Double] = [1]
        for _ in 1...22 { powers.append(powers[powers.count - 1] * 10) }
        for _ in 0..<40_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let digits = Double((state >> 11) % UInt64(powers[1 + Int(state % 15)]))
            let places = 1 + Int((state >> 7) % 20)
            values.append(digits / powers[places])
            values.append(-digits / powers[places])
            values.append(Double(state >> 11) / Double(1 << 53))
            values.append((digits / powers[places]).nextUp)
        }
        for value in values {
            let general = Self.long(value)
            #expect(String(decoding: general, as: UTF8.self) == PrometheusNumber.format(value), "\(value)")
            #expect(Self.text(value) == general, "\(value)")
            if let short = Self.short(value) { #expect(short == general, "\(value)") }
        }
        for common in [1.113, -0.25, 0.95, 1.5, 0.001, 12345.678, 0.00001234, -99999999999999.9] {
            #expect(Self.short(common) != nil, "\(common)")
        }
        for special in [Double.nan, .infinity, -.infinity, 0, -0.0, 42, -7, 9007199254740991] {
            #expect(Self.short(special).map { String(decoding: $0, as: UTF8.self) } == PrometheusNumber.format(special))
        }
        #expect(Self.short(1e-7) == nil)
        #expect(Self.short(0.1 + 0.2) == nil)
        #expect(Self.short(1e15 + 0.5) == nil)
    }

    /// The text the API writes for `value`: `writeShort`'s, or `writeLong`'s when that declines.
    static func text(_ value: Double) -> [UInt8] { short(value) ?? long(value) }

    /// `writeLong`'s text.
    static func long(_ value: Double) -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: PrometheusNumber.longTextLimit) { scratch in
            Array(scratch[..<PrometheusNumber.writeLong(value, to: scratch.baseAddress!)])
        }
    }

    @Test func writeLongFitsItsLimitAtTheExtremes() {
        let extremes = [Double.leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude,
                        -.greatestFiniteMagnitude, .leastNormalMagnitude, 1e-300, 1e300, .nan, .infinity,
                        -.infinity, 0, -0.0]
        var longest = 0
        for value in extremes {
            let text = Self.long(value)
            #expect(String(decoding: text, as: UTF8.self) == PrometheusNumber.format(value), "\(value)")
            longest = max(longest, text.count)
        }
        #expect(longest == 327)
        #expect(longest <= PrometheusNumber.longTextLimit)
    }

    /// `writeShort`'s text, or nil when it leaves the value to the general printer.
    static func short(_ value: Double) -> [UInt8]? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: PrometheusNumber.shortTextLimit) { scratch in
            let length = PrometheusNumber.writeShort(value, to: scratch.baseAddress!)
            return length == 0 ? nil : Array(scratch[..<length])
        }
    }

    @Test func writeDigitsWritesEveryLength() {
        var state: UInt64 = 5
        var values: [UInt64] = [0, 9, 10, 99, 100, 101, 999, 1000, 1_796_042_520, UInt64.max, UInt64.max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 {
            values += [power - 1, power, power + 1, power * 9, power * 10 - 1]
            power *= 10
        }
        values += [power - 1, power]
        for shift in 0..<64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(state >> UInt64(shift))
        }
        for value in values {
            let text = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: PrometheusNumber.shortTextLimit) { scratch in
                Array(scratch[..<PrometheusNumber.writeDigits(value, to: scratch.baseAddress!)])
            }
            #expect(String(decoding: text, as: UTF8.self) == "\(value)")
        }
    }

    @Test func formatRoundTripsRandomValues() {
        var state: UInt64 = 42
        for _ in 0..<10_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = Double(bitPattern: state)
            guard value.isFinite else { continue }
            #expect(Double(PrometheusNumber.format(value)) == value)
        }
    }

    @Test func parsesExpositionForms() {
        #expect(PrometheusNumber.parse("1.5e3") == 1500)
        #expect(PrometheusNumber.parse("+Inf") == .infinity)
        #expect(PrometheusNumber.parse("-inf") == -.infinity)
        #expect(PrometheusNumber.parse("NaN")?.isNaN == true)
        #expect(PrometheusNumber.parse("0x10") == nil)
        #expect(PrometheusNumber.parse("infinity") == nil)
        #expect(PrometheusNumber.parse("abc") == nil)
    }
}

@Suite struct PrometheusDurationTests {
    @Test(arguments: [
        ("0", 0), ("1s", 1000), ("5m", 300_000), ("1h30m", 5_400_000), ("1m15s", 75_000),
        ("100ms", 100), ("2d", 172_800_000), ("1w", 604_800_000), ("1y", 31_536_000_000), ("1h1ms", 3_600_001),
    ] as [(String, Int64)])
    func parses(text: String, expected: Int64) throws {
        #expect(try PrometheusDuration.parse(text) == expected)
    }

    @Test(arguments: ["", "1", "1x", "m", "5m1h", "1m1m", "-1s", "1.5s", " 1s"])
    func rejects(text: String) {
        #expect(throws: PrometheusDuration.ParseError(text: text)) { try PrometheusDuration.parse(text) }
    }

    @Test func formatIsCanonicalAndRoundTrips() throws {
        #expect(PrometheusDuration.format(0) == "0s")
        #expect(PrometheusDuration.format(5_400_000) == "1h30m")
        #expect(PrometheusDuration.format(15_000) == "15s")
        #expect(PrometheusDuration.format(1_296_000_000) == "15d")
        for ms: Int64 in [1, 999, 1000, 61_001, 86_400_000 * 400 + 7] {
            #expect(try PrometheusDuration.parse(PrometheusDuration.format(ms)) == ms)
        }
    }
}
