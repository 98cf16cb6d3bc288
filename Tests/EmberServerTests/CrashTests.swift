import AsyncHTTPClient
import Foundation
import NIOCore
import RemoteWrite
import Testing

/// `kill -9` at random moments while samples are written and blocks are cut: every write the
/// server acknowledged is there after the restart, and the data directory stays readable.
@Suite(.serialized) struct CrashTests {
    /// Starts the real binary; returns it and its base URL once it is ready.
    func start(_ directory: TemporaryDirectory, config: String) async throws -> (Process, String) {
        let listen = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ProcessTests.emberPath)
        process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory.path)/data",
                             "--web.listen-address=127.0.0.1:\(listen)", "--web.enable-remote-write-receiver",
                             "--storage.tsdb.min-block-duration=1m", "--log.level=warn"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let base = "http://127.0.0.1:\(listen)"
        guard try await eventually(seconds: 30, { try await httpGet(base + "/-/ready").0 == 200 }) else {
            process.terminate()
            throw TestFailure("ember did not become ready")
        }
        return (process, base)
    }

    static func post(_ base: String, _ body: [UInt8]) async throws -> Int {
        var request = HTTPClientRequest(url: base + "/api/v1/write")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        request.headers.add(name: "Content-Encoding", value: "snappy")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    @Test func acknowledgedWritesSurviveKillNineAtRandomMoments() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.file("prometheus.yml", "global: {scrape_interval: 1h}\nscrape_configs: []\n")
        let seriesCount = 20, samplesPerBatch = 10, step: Int64 = 5_000
        var generator = SystemRandomNumberGenerator()
        var acknowledged = 0          // samples per series the server confirmed
        var attempted = 0             // samples per series sent (confirmed or not)
        let origin: Int64 = 1_700_000_000_000
        for round in 0..<4 {
            let (process, base) = try await start(directory, config: config)
            // Everything acknowledged before the last kill is there (an unconfirmed batch may be too).
            let counted = try await countsPerSeries(base, at: origin + Int64(attempted) * step)
            // Every series once anything landed; an unconfirmed first batch may have landed too.
            if acknowledged > 0 {
                #expect(counted.count == seriesCount, "round \(round)")
            } else {
                #expect(counted.isEmpty || (attempted > 0 && counted.count == seriesCount), "round \(round): \(counted.count) series")
            }
            for (series, count) in counted {
                #expect(count >= acknowledged && count <= attempted, "round \(round) \(series): \(count) not in \(acknowledged)...\(attempted)")
            }
            // A batch is one commit: every series holds the same samples 0..<stored. Continue
            // right after them (an unconfirmed batch that did not land is sent again).
            let stored = counted.values.max() ?? 0
            #expect(counted.values.allSatisfy { $0 == stored }, "round \(round): \(counted)")
            acknowledged = stored
            attempted = stored
            let deadline = Date().addingTimeInterval(Double.random(in: 0.3...1.5, using: &generator))
            let (sentBefore, confirmedBefore) = (attempted, acknowledged)
            let writer = Task { [base] in
                var sent = sentBefore, confirmed = confirmedBefore
                while !Task.isCancelled {
                    let first = sent
                    sent += samplesPerBatch
                    let series = (0..<seriesCount).map { index in
                        ([("__name__", "crash_test"), ("series", "\(index)")],
                         (first..<sent).map { (origin + Int64($0) * step, Double($0)) })
                    }
                    let status = try? await Self.post(base, try RemoteWriteTests.wire(RemoteWriteTests.request(series)))
                    if status == 204 { confirmed = sent } else { break }
                }
                return (sent, confirmed)
            }
            while Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let (sent, confirmed) = await (try? writer.value) ?? (attempted, acknowledged)
            attempted = sent
            acknowledged = confirmed
        }
        let (process, base) = try await start(directory, config: config)
        defer { process.terminate() }
        let counted = try await countsPerSeries(base, at: origin + Int64(attempted) * step)
        #expect(counted.count == seriesCount)
        #expect(counted.values.allSatisfy { $0 >= acknowledged && $0 <= attempted })
        // Blocks were cut along the way (1 min blocks; 50 s of samples per batch).
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/data")
        #expect(entries.contains { $0.count == 26 }, "no block directory among \(entries)")
        // No block was found unreadable at any start (a `.tmp` directory may be a compaction in
        // progress right now; a start removes such leftovers).
        #expect(!entries.contains { $0.hasSuffix(".corrupted") }, "\(entries)")
        #expect(acknowledged > 0)
    }

    /// `count_over_time` of every test series over all time, by series label.
    func countsPerSeries(_ base: String, at time: Int64) async throws -> [String: Int] {
        let query = "count_over_time(crash_test[1000d])".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let started = Date()
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: base + "/api/v1/query?query=\(query)&time=\(Double(time) / 1000)"), timeout: .seconds(120))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 24))
        let status = Int(response.status.code)
        print("crash test query took \(Date().timeIntervalSince(started)) s")
        guard status == 200 else { throw TestFailure("query failed: \(body)") }
        var out: [String: Int] = [:]
        for (labels, value) in try vectorResult(body) { out[labels["series"] ?? "?"] = Int(value) }
        return out
    }
}
