import MetricModel
import SwiftProtobuf
import Testing
@testable import Exposition

/// `ProtobufExposition`: delimited `MetricFamily` messages to text, as Prometheus reads them.
@Suite struct ProtobufExpositionTests {
    typealias Family = Io_Prometheus_Client_MetricFamily
    typealias Metric = Io_Prometheus_Client_Metric

    static func pair(_ name: String, _ value: String) -> Io_Prometheus_Client_LabelPair {
        var pair = Io_Prometheus_Client_LabelPair()
        pair.name = name
        pair.value = value
        return pair
    }

    /// The families, each preceded by its varint length.
    static func delimited(_ families: [Family]) throws -> [UInt8] {
        var out: [UInt8] = []
        for family in families {
            let bytes: [UInt8] = try family.serializedBytes()
            var length = UInt64(bytes.count)
            repeat {
                out.append(UInt8(length & 0x7f) | (length > 0x7f ? 0x80 : 0))
                length >>= 7
            } while length > 0
            out += bytes
        }
        return out
    }

    static func families() -> [Family] {
        var counter = Family()
        counter.name = "requests_total"
        counter.help = "Requests.\nAll of them."
        counter.type = .counter
        var c = Metric()
        c.label = [pair("code", "200"), pair("path", "/a\"b")]
        c.counter.value = 12
        c.timestampMs = 1_700_000_000_123
        counter.metric = [c]

        var gauge = Family()
        gauge.name = "temperature_celsius"
        gauge.type = .gauge
        gauge.unit = "celsius"
        var g = Metric()
        g.gauge.value = -3.5
        gauge.metric = [g]

        var untyped = Family()
        untyped.name = "odd.name"
        untyped.type = .untyped
        var u = Metric()
        u.label = [pair("my.label", "x")]
        u.untyped.value = 1
        untyped.metric = [u]

        var summary = Family()
        summary.name = "latency_seconds"
        summary.type = .summary
        var s = Metric()
        var q1 = Io_Prometheus_Client_Quantile()
        q1.quantile = 0.5
        q1.value = 0.2
        var q2 = Io_Prometheus_Client_Quantile()
        q2.quantile = 1
        q2.value = 0.9
        s.summary.quantile = [q1, q2]
        s.summary.sampleSum = 10.5
        s.summary.sampleCount = 30
        summary.metric = [s]

        var histogram = Family()
        histogram.name = "size_bytes"
        histogram.type = .histogram
        var h = Metric()
        var b1 = Io_Prometheus_Client_Bucket()
        b1.upperBound = 100
        b1.cumulativeCount = 3
        var b2 = Io_Prometheus_Client_Bucket()
        b2.upperBound = 0.00001
        b2.cumulativeCountFloat = 4.5
        b2.cumulativeCount = 1
        h.histogram.bucket = [b2, b1]
        h.histogram.sampleCount = 7
        h.histogram.sampleSum = 900
        histogram.metric = [h]
        return [counter, gauge, untyped, summary, histogram]
    }

    @Test func familiesBecomeTheSamplesPrometheusReads() throws {
        let translation = try ProtobufExposition.textExposition(Self.delimited(Self.families()))
        #expect(String(decoding: translation.text, as: UTF8.self) == """
            # HELP requests_total Requests.\\nAll of them.
            # TYPE requests_total counter
            requests_total{code="200",path="/a\\"b"} 12 1700000000123
            # TYPE temperature_celsius gauge
            temperature_celsius -3.5
            # TYPE "odd.name" untyped
            {"odd.name","my.label"="x"} 1
            # TYPE latency_seconds summary
            latency_seconds{quantile="0.5"} 0.2
            latency_seconds{quantile="1.0"} 0.9
            latency_seconds_sum 10.5
            latency_seconds_count 30
            # TYPE size_bytes histogram
            size_bytes_bucket{le="1e-05"} 4.5
            size_bytes_bucket{le="100.0"} 3
            size_bytes_bucket{le="+Inf"} 7
            size_bytes_sum 900
            size_bytes_count 7

            """)
        #expect(translation.units == ["temperature_celsius": "celsius"])
        // And the text parser reads all of it.
        var parser = ExpositionParser(bytes: translation.text, format: .prometheusText)
        var samples = 0
        for _ in 0..<100 {
            let entry = try parser.next()
            if entry == .eof { break }
            if entry == .sample { samples += 1 }
        }
        #expect(samples == 12)
    }

    @Test func anExplicitInfBucketIsNotRepeated() throws {
        var family = Family()
        family.name = "h"
        family.type = .histogram
        var metric = Metric()
        var bucket = Io_Prometheus_Client_Bucket()
        bucket.upperBound = .infinity
        bucket.cumulativeCount = 2
        metric.histogram.bucket = [bucket]
        metric.histogram.sampleCountFloat = 2.5
        family.metric = [metric]
        let text = try ProtobufExposition.textExposition(Self.delimited([family])).text
        #expect(String(decoding: text, as: UTF8.self) == "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 2.5\n")
    }

    @Test func brokenStreamsNameTheMessage() throws {
        let good = try Self.delimited(Array(Self.families().prefix(1)))
        #expect(throws: ExpositionError(line: 2, message: "protobuf: message of 5 bytes but 2 left")) {
            try ProtobufExposition.textExposition(good + [5, 1, 2])
        }
        #expect(throws: ExpositionError(line: 1, message: "protobuf: truncated message length")) {
            try ProtobufExposition.textExposition([0x80])
        }
        #expect(throws: ExpositionError(line: 1, message: "protobuf: invalid MetricFamily: malformedProtobuf")) { try ProtobufExposition.textExposition([2, 0xff, 0xff]) }
    }

    @Test func contentTypeDetection() {
        #expect(ProtobufExposition.isProtobuf(contentType: "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"))
        #expect(ProtobufExposition.isProtobuf(contentType: "Application/Vnd.Google.Protobuf"))
        #expect(!ProtobufExposition.isProtobuf(contentType: "text/plain; version=0.0.4"))
        #expect(!ProtobufExposition.isProtobuf(contentType: nil))
    }
}
