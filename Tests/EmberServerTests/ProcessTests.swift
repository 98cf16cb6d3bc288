import Foundation
import Testing

/// The `ember` binary as a user runs it: `check config`, SIGHUP reload, SIGTERM shutdown.
@Suite(.serialized) struct ProcessTests {
    /// The built `ember` executable next to the test bundle (`swift test` builds every product).
    static var emberPath: String {
        get throws {
            var candidates: [String] = []
            if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
                if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
                candidates.append(dir.appendingPathComponent("ember").path)
            }
            candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/ember")
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw TestFailure("ember binary not found in \(candidates)")
            }
            return found
        }
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try emberPath)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func checkConfigAcceptsTheDefaultConfig() throws {
        let result = try Self.run(["check", "config", "config/prometheus.yml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("SUCCESS: config/prometheus.yml is valid prometheus config file syntax"))
    }

    @Test func checkConfigNamesFileAndLineOfAnUnknownKey() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.file("bad.yml", """
            global:
              scrape_interval: 15s
            scrape_configs:
              - job_name: api
                scrape_intervall: 10s
                static_configs: [{targets: ["localhost:8080"]}]
            """)
        let result = try Self.run(["check", "config", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):5: field scrape_intervall not found in scrape_config"), "\(result.stderr)")
    }

    @Test func checkConfigExpandsEnvironmentVariables() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.file("env.yml", """
            scrape_configs:
              - job_name: api
                scrape_interval: ${EMBER_TEST_INTERVAL}
                static_configs: [{targets: ["${EMBER_TEST_HOST:-localhost}:8080"]}]
            """)
        let good = try Self.run(["check", "config", file], environment: ["EMBER_TEST_INTERVAL": "30s"])
        #expect(good.status == 0, "\(good.stderr)")
        let bad = try Self.run(["check", "config", file], environment: ["EMBER_TEST_INTERVAL": "30x"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(file):3:"), "\(bad.stderr)")
        let unset = try Self.run(["check", "config", file])
        #expect(unset.status == 1)
        #expect(unset.stderr.contains("EMBER_TEST_INTERVAL"), "\(unset.stderr)")
    }

    @Test func walSegmentSizeOutsidePrometheusBoundsIsRefused() throws {
        let result = try Self.run(["--storage.tsdb.wal-segment-size=1MB", "--config.file=config/prometheus.yml"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("flag 'storage.tsdb.wal-segment-size' must be set between 10MB and 256MB"), "\(result.stderr)")
    }

    @Test func versionFlag() throws {
        let result = try Self.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("ember, version "))
    }

    @Test func sighupReloadsTargetsAndSigtermExitsCleanlyWithinTwoSeconds() async throws {
        let first = try await FakeTarget.start(body: "first_metric 1\n")
        let second = try await FakeTarget.start(body: "second_metric 2\n")
        defer { first.stop(); second.stop() }
        let directory = try TemporaryDirectory()
        func config(_ port: Int) -> String {
            """
            global: {scrape_interval: 1s, scrape_timeout: 500ms}
            scrape_configs:
              - job_name: app
                static_configs: [{targets: ["127.0.0.1:\(port)"]}]
            """
        }
        let configFile = try directory.file("prometheus.yml", config(first.port))
        let listen = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.emberPath)
        process.arguments = ["--config.file=\(configFile)", "--storage.tsdb.path=\(directory.path)/data",
                             "--web.listen-address=127.0.0.1:\(listen)", "--log.level=warn"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(listen)"

        let firstSeen = try await eventually(seconds: 30) {
            try vectorResult(try await httpGet(base + "/api/v1/query?query=first_metric").1).count == 1
        }
        #expect(firstSeen)

        _ = try directory.file("prometheus.yml", config(second.port))
        kill(process.processIdentifier, SIGHUP)
        let secondSeen = try await eventually(seconds: 30) {
            try vectorResult(try await httpGet(base + "/api/v1/query?query=second_metric").1).count == 1
        }
        #expect(secondSeen)
        let (_, targets) = try await httpGet(base + "/api/v1/targets")
        #expect(targets.contains("127.0.0.1:\(second.port)") && !targets.contains("127.0.0.1:\(first.port)"))

        // A broken config is refused and the running one stays.
        _ = try directory.file("prometheus.yml", "scrape_configs: [{job_name: x, bogus: 1}]")
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        let (_, stillThere) = try await httpGet(base + "/api/v1/targets")
        #expect(stillThere.contains("127.0.0.1:\(second.port)"))
        let (_, selfMetrics) = try await httpGet(base + "/metrics")
        #expect(selfMetrics.contains("prometheus_config_last_reload_successful 0"))

        let stopAsked = Date()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning && Date().timeIntervalSince(stopAsked) < 5 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let took = Date().timeIntervalSince(stopAsked)
        #expect(!process.isRunning)
        #expect(took < 2, "SIGTERM took \(took) s")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}

/// Asks the kernel for a free loopback port.
func freeLoopbackPort() throws -> Int {
    let listener = try HangingListener()
    defer { listener.close() }
    return listener.port
}
