@testable import EmberServer
import Foundation
import Logging
import Testing

/// The server across restarts: readiness during the WAL replay, and samples that survive SIGKILL.
@Suite(.serialized) struct RestartTests {
    @Test func readyIsServiceUnavailableUntilTheReplayIsDone() async throws {
        let directory = try TemporaryDirectory()
        var options = ServerOptions()
        options.configFile = try directory.file("prometheus.yml", "scrape_configs: []\n")
        options.storagePath = directory.path + "/data"
        options.listenAddress = "127.0.0.1:0"
        var logger = Logger(label: "ember-test")
        logger.logLevel = .warning
        let (gate, open) = AsyncStream<Void>.makeStream()
        let server = try EmberServer(options: options, logger: logger, beforeReplay: {
            for await _ in gate { break }
        })
        let task = Task { try await server.run() }
        guard try await eventually(seconds: 120, { server.port != nil }), let port = server.port else {
            throw TestFailure("server did not start")
        }
        let base = "http://127.0.0.1:\(port)"
        #expect(try await httpGet(base + "/-/healthy").0 == 200)
        let (status, body) = try await httpGet(base + "/-/ready")
        #expect(status == 503, "\(body)")
        open.yield()
        let ready = try await eventually(seconds: 60) { try await httpGet(base + "/-/ready").0 == 200 }
        #expect(ready)
        await server.shutdown()
        try await task.value
    }

    /// Starts `ember` on `data` and returns the process with the file its stderr goes to.
    func startEmber(config: String, data: String, listen: Int, log: String) throws -> Process {
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ProcessTests.emberPath)
        process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(data)",
                             "--web.listen-address=127.0.0.1:\(listen)", "--log.level=info"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        return process
    }

    func stop(_ process: Process, signal: Int32) async throws {
        kill(process.processIdentifier, signal)
        let asked = Date()
        while process.isRunning && Date().timeIntervalSince(asked) < 5 { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func samplesSurviveSigkillAndAreQueryableAfterRestart() async throws {
        let target = try await FakeTarget.start(body: "wal_test_metric{kind=\"survivor\"} 1\n")
        defer { target.stop() }
        let directory = try TemporaryDirectory()
        let scraping = try directory.file("scrape.yml", """
            global: {scrape_interval: 1s, scrape_timeout: 500ms}
            scrape_configs:
              - job_name: app
                static_configs: [{targets: ["127.0.0.1:\(target.port)"]}]
            """)
        let idle = try directory.file("idle.yml", "scrape_configs: []\n")
        let data = directory.path + "/data"
        let listen = try freeLoopbackPort()
        let base = "http://127.0.0.1:\(listen)"

        let first = try startEmber(config: scraping, data: data, listen: listen, log: directory.path + "/first.log")
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        /// Waits until the newest scraped value is `value`; returns the time just after, as the API wants it.
        func seen(_ value: String) async throws -> String {
            let found = try await eventually(seconds: 15) {
                try vectorResult(try await httpGet(base + "/api/v1/query?query=wal_test_metric").1).first?.1 == value
            }
            #expect(found, "value \(value) never scraped")
            return String(format: "%.3f", Date().timeIntervalSince1970)
        }
        let firstSeen = try await seen("1")
        target.state.body.withLock { $0 = "wal_test_metric{kind=\"survivor\"} 2\n" }
        let secondSeen = try await seen("2")
        try await stop(first, signal: SIGKILL)
        #expect(!first.isRunning && first.terminationReason == .uncaughtSignal)

        // Same data directory, nothing scraped any more: only the WAL can answer.
        let secondLog = directory.path + "/second.log"
        let second = try startEmber(config: idle, data: data, listen: listen, log: secondLog)
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        let ready = try await eventually(seconds: 15) { try await httpGet(base + "/-/ready").0 == 200 }
        #expect(ready)
        for (time, value) in [(firstSeen, "1"), (secondSeen, "2")] {
            let (_, body) = try await httpGet(base + "/api/v1/query?query=wal_test_metric&time=\(time)")
            let result = try vectorResult(body)
            #expect(result.count == 1, "\(body)")
            #expect(result.first?.0 == ["__name__": "wal_test_metric", "kind": "survivor", "job": "app",
                                        "instance": "127.0.0.1:\(target.port)"])
            #expect(result.first?.1 == value, "at \(time): \(body)")
        }
        let seenAt = secondSeen
        let (_, upBody) = try await httpGet(base + "/api/v1/query?query=up&time=\(seenAt)")
        #expect(try vectorResult(upBody).first?.1 == "1")

        try await stop(second, signal: SIGTERM)
        #expect(!second.isRunning && second.terminationStatus == 0)
        let log = try String(contentsOfFile: secondLog, encoding: .utf8)
        #expect(log.contains("WAL replay completed"), "\(log)")
        let replayLine = log.split(separator: "\n").first { $0.contains("WAL replay completed") } ?? ""
        #expect(replayLine.contains("series=") && replayLine.contains("samples=") && replayLine.contains("duration="), "\(replayLine)")
        #expect(!log.contains("WAL corruption"), "\(log)")
    }
}
