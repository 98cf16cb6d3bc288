import Foundation
import MetricModel
import RemoteWrite
import Storage
import SwiftProtobuf
import Testing

/// A `WriteRequest` from (labels, [(timestamp, value)]) pairs, labels in the order given.
func writeRequest(_ series: [([(String, String)], [(Int64, Double)])]) -> Prometheus_WriteRequest {
    var request = Prometheus_WriteRequest()
    request.timeseries = series.map { labels, samples in
        var timeSeries = Prometheus_TimeSeries()
        timeSeries.labels = labels.map { name, value in
            var label = Prometheus_Label()
            label.name = name
            label.value = value
            return label
        }
        timeSeries.samples = samples.map { timestamp, value in
            var sample = Prometheus_Sample()
            sample.timestamp = timestamp
            sample.value = value
            return sample
        }
        return timeSeries
    }
    return request
}

/// The request as a sender puts it on the wire: protobuf, then one snappy block.
func wireBody(_ request: Prometheus_WriteRequest) throws -> [UInt8] {
    let bytes: [UInt8] = try request.serializedBytes()
    return Snappy.compress(bytes)
}

/// Every stored series with its samples, sorted by labels.
func stored(_ storage: MemoryStorage) throws -> [(Labels, [(Int64, Double)])] {
    let querier = try storage.querier(mint: .min, maxt: .max)
    let set = try querier.select(sorted: true, hints: nil, matchers: [try LabelMatcher(.regexMatch, "__name__", ".+")])
    var result: [(Labels, [(Int64, Double)])] = []
    while let series = try set.next() {
        let iterator = series.makeIterator()
        var samples: [(Int64, Double)] = []
        while iterator.next() { samples.append((iterator.timestamp, iterator.value)) }
        result.append((series.labels, samples))
    }
    return result
}

@Suite struct RemoteWriteReceiverTests {
    let now: Timestamp = 1_700_000_000_000

    func receiver(_ storage: MemoryStorage) -> RemoteWriteReceiver {
        var receiver = RemoteWriteReceiver(storage: storage)
        receiver.now = { [now] in now }
        return receiver
    }

    @Test func storesEverySeriesWithLabelsSortedOnReceipt() throws {
        let storage = MemoryStorage()
        let request = writeRequest([
            ([("job", "api"), ("__name__", "requests_total"), ("code", "200")], [(now - 2000, 1), (now - 1000, 2.5)]),
            ([("__name__", "up"), ("job", "api")], [(now - 1000, 1)]),
        ])
        let outcome = receiver(storage).receive(body: try wireBody(request), contentType: "application/x-protobuf",
                                                contentEncoding: "snappy")
        #expect(outcome == RemoteWriteOutcome(status: 204, message: nil, samplesAppended: 3, seriesSkipped: 0))
        let series = try stored(storage)
        #expect(series.map(\.0.description) == ["requests_total{code=\"200\", job=\"api\"}", "up{job=\"api\"}"])
        #expect(series[0].1.map(\.0) == [now - 2000, now - 1000])
        #expect(series[0].1.map(\.1) == [1, 2.5])
    }

    @Test func absentHeadersMeanSnappyProtobufVersionOne() throws {
        let storage = MemoryStorage()
        let body = try wireBody(writeRequest([([("__name__", "x")], [(now, 1)])]))
        #expect(receiver(storage).receive(body: body, contentType: nil, contentEncoding: nil).status == 204)
        let explicit = "application/x-protobuf;proto=prometheus.WriteRequest"
        let second = try wireBody(writeRequest([([("__name__", "x")], [(now + 1, 1)])]))
        #expect(receiver(storage).receive(body: second, contentType: explicit, contentEncoding: "snappy").status == 204)
        #expect(try stored(storage).first?.1.count == 2)
    }

    @Test func corruptSnappyIs400AndStoresNothing() throws {
        let storage = MemoryStorage()
        let bytes: [UInt8] = try writeRequest([([("__name__", "x")], [(now, 1)])]).serializedBytes()
        for body in [bytes, [], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]] {
            let outcome = receiver(storage).receive(body: body, contentType: nil, contentEncoding: "snappy")
            #expect(outcome == RemoteWriteOutcome(status: 400, message: "snappy: corrupt input"))
        }
        #expect(try stored(storage).isEmpty)
    }

    @Test func badProtobufIs400AndStoresNothing() throws {
        let storage = MemoryStorage()
        // Field 1 (timeseries), length-delimited, claiming 50 bytes of which 2 follow.
        let truncated = Snappy.compress([0x0a, 50, 0x0a, 0x00])
        let outcome = receiver(storage).receive(body: truncated, contentType: nil, contentEncoding: nil)
        #expect(outcome == RemoteWriteOutcome(status: 400, message: "decoding the remote write request: the protobuf message is truncated"))
        // Wire type 7 does not exist.
        let malformed = Snappy.compress([0x0f, 0x01])
        let second = receiver(storage).receive(body: malformed, contentType: nil, contentEncoding: nil)
        #expect(second == RemoteWriteOutcome(status: 400, message: "decoding the remote write request: the protobuf message is malformed"))
        #expect(try stored(storage).isEmpty)
    }

    @Test func otherEncodingsAndContentTypesAre415() throws {
        let storage = MemoryStorage()
        let body = try wireBody(writeRequest([([("__name__", "x")], [(now, 1)])]))
        let gzip = receiver(storage).receive(body: body, contentType: nil, contentEncoding: "gzip")
        #expect(gzip == RemoteWriteOutcome(status: 415, message: "gzip encoding (compression) is not accepted by this server; only snappy is acceptable"))
        let json = receiver(storage).receive(body: body, contentType: "application/json", contentEncoding: "snappy")
        #expect(json == RemoteWriteOutcome(status: 415, message: "expected application/x-protobuf as the first (media) part, got application/json content-type"))
        let v2 = receiver(storage).receive(body: body, contentType: "application/x-protobuf;proto=io.prometheus.write.v2.Request",
                                           contentEncoding: "snappy")
        #expect(v2 == RemoteWriteOutcome(status: 415, message: "io.prometheus.write.v2.Request protobuf message is not accepted by this server; only accepts prometheus.WriteRequest"))
        let unknown = receiver(storage).receive(body: body, contentType: "application/x-protobuf;proto=foo", contentEncoding: nil)
        #expect(unknown == RemoteWriteOutcome(status: 415, message: "got application/x-protobuf;proto=foo content type; unknown type for remote write protobuf message foo, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request"))
        #expect(try stored(storage).isEmpty)
    }

    @Test func outOfOrderRollsBackTheWholeRequest() throws {
        let storage = MemoryStorage()
        try storage.add(Labels(["__name__": "x"]), [(now, 1)])
        let request = writeRequest([
            ([("__name__", "fresh")], [(now, 5)]),
            ([("__name__", "x")], [(now - 1000, 2)]),
        ])
        let outcome = receiver(storage).receive(body: try wireBody(request), contentType: nil, contentEncoding: nil)
        #expect(outcome == RemoteWriteOutcome(status: 400, message: "out of order sample"))
        #expect(try stored(storage).map(\.0.description) == ["x"])
    }

    @Test func duplicateTimestampWithOtherValueIs400() throws {
        let storage = MemoryStorage()
        let request = writeRequest([([("__name__", "x")], [(now, 1), (now, 2)])])
        let outcome = receiver(storage).receive(body: try wireBody(request), contentType: nil, contentEncoding: nil)
        #expect(outcome == RemoteWriteOutcome(status: 400, message: "duplicate sample for timestamp"))
        #expect(try stored(storage).isEmpty)
    }

    @Test func samplesMoreThanTenMinutesAheadAreOutOfBounds() throws {
        let storage = MemoryStorage()
        let ok = writeRequest([([("__name__", "x")], [(now + 600_000, 1)])])
        #expect(receiver(storage).receive(body: try wireBody(ok), contentType: nil, contentEncoding: nil).status == 204)
        let ahead = writeRequest([([("__name__", "y")], [(now + 600_001, 1)])])
        let outcome = receiver(storage).receive(body: try wireBody(ahead), contentType: nil, contentEncoding: nil)
        #expect(outcome == RemoteWriteOutcome(status: 400, message: "out of bounds: timestamp is too far in the future"))
        #expect(try stored(storage).map(\.0.description) == ["x"])
    }

    @Test func seriesWithInvalidLabelsAreSkippedAndTheRestStored() throws {
        let storage = MemoryStorage()
        let request = writeRequest([
            ([("job", "no-name")], [(now, 1)]),
            ([("__name__", "")], [(now, 1)]),
            ([("__name__", "dup"), ("a", "1"), ("a", "2")], [(now, 1)]),
            ([("__name__", "emptyname"), ("", "v")], [(now, 1)]),
            ([("__name__", "good"), ("blank", "")], [(now, 7)]),
        ])
        let outcome = receiver(storage).receive(body: try wireBody(request), contentType: nil, contentEncoding: nil)
        #expect(outcome == RemoteWriteOutcome(status: 204, message: nil, samplesAppended: 1, seriesSkipped: 4))
        #expect(try stored(storage).map(\.0.description) == ["good"])
    }

    @Test func exemplarsAndMetadataDecodeAndAreIgnored() throws {
        let storage = MemoryStorage()
        var request = writeRequest([([("__name__", "x")], [(now, 1)])])
        var exemplar = Prometheus_Exemplar()
        exemplar.value = 3
        exemplar.timestamp = now
        request.timeseries[0].exemplars = [exemplar]
        var metadata = Prometheus_MetricMetadata()
        metadata.type = .counter
        metadata.metricFamilyName = "x"
        metadata.help = "An x."
        request.metadata = [metadata]
        var bytes: [UInt8] = try request.serializedBytes()
        // A native histogram (TimeSeries field 4) inside the first series: a length-delimited
        // field Ember does not declare, skipped as unknown.
        let histogram: [UInt8] = [0x22, 0x02, 0x08, 0x01]
        bytes = try rewriteFirstSeries(bytes, appending: histogram)
        let outcome = receiver(storage).receive(body: Snappy.compress(bytes), contentType: nil, contentEncoding: nil)
        #expect(outcome.status == 204)
        #expect(try stored(storage).first?.1.count == 1)
    }

    /// Re-encodes the first time series with extra raw field bytes appended.
    func rewriteFirstSeries(_ bytes: [UInt8], appending extra: [UInt8]) throws -> [UInt8] {
        let request = try Prometheus_WriteRequest(serializedBytes: bytes)
        var first: [UInt8] = try request.timeseries[0].serializedBytes()
        first += extra
        var rest = request
        rest.timeseries.removeFirst()
        precondition(first.count < 128, "single-byte length only")
        return [0x0a, UInt8(first.count)] + first + (try rest.serializedBytes())
    }

    @Test func declaredLengthOverTheLimitIsRefusedBeforeDecoding() throws {
        #expect(throws: Snappy.Failure.tooLarge(declared: 1000, limit: 999)) {
            try Snappy.decompress(Snappy.compress([UInt8](repeating: 7, count: 1000)), maxDecodedBytes: 999)
        }
        #expect(try Snappy.decompress(Snappy.compress([1, 2, 3]), maxDecodedBytes: 3) == [1, 2, 3])
    }
}
