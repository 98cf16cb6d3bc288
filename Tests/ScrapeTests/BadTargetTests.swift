import Config
import Foundation
import MetricModel
import Storage
import Testing
@testable import Scrape

/// Each kind of bad target, scraped for real over loopback next to a healthy one: the bad one
/// reports its error with up 0, the good one keeps scraping on schedule.
@Suite(.serialized, .timeLimit(.minutes(1))) struct BadTargetTests {
    func job(_ name: String, _ address: String, path: String = "/metrics", _ edit: (inout ScrapeConfig) -> Void = { _ in }) -> ScrapeConfig {
        var config = ScrapeConfig(jobName: name, scrapeInterval: 500, scrapeTimeout: 500)
        config.metricsPath = path
        config.staticConfigs = [StaticConfig(targets: [address])]
        edit(&config)
        return config
    }

    /// Runs `configs` plus a healthy job until each job's last error is the expected one and the healthy
    /// job has been scraped 3 times (or 20 s pass: on a loaded machine a scrape may time out first);
    /// returns the last error and health of each job and the healthy job's scrape count.
    func scrape(_ server: FakeServer, _ configs: [ScrapeConfig],
                expect expected: [String: String]) async throws -> ([String: (String, TargetHealth)], Int) {
        server.set("/good", body: "ok_metric 1\n")
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: configs + [job("good", server.address, path: "/good")]))
        let done = try await eventually(seconds: 20) {
            let statuses = harness.manager.targetStatuses()
            return statuses.count == configs.count + 1
                && statuses.allSatisfy { expected[$0.target.job, default: ""] == $0.lastError && $0.lastScrape != nil }
                && (server.hits.withLock { $0["/good"] } ?? 0) >= 3
        }
        var out: [String: (String, TargetHealth)] = [:]
        for status in harness.manager.targetStatuses() { out[status.target.job] = (status.lastError, status.health) }
        let hits = server.hits.withLock { $0["/good"] } ?? 0
        let upGood = try samples(harness.storage.storage, #"up{instance="\#(server.address)", job="good"}"#)
        await harness.close()
        #expect(done)
        #expect(out["good"]?.1 == .up)
        #expect(upGood.filter { $0.1 == 1 }.count >= 2)
        return (out, hits)
    }

    @Test func httpErrorsAndBadBodies() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/500", FakeServer.Reply(status: .internalServerError, body: Array("boom".utf8)))
        server.set("/html", FakeServer.Reply(contentType: "text/html", body: Array("<html><body>hi</body></html>\n".utf8)))
        server.set("/big", body: String(repeating: "a_metric_with_a_long_name 1\n", count: 100))
        server.set("/many", body: "a 1\nb 2\nc 3\n")
        server.set("/utf8", FakeServer.Reply(body: Array("ok 1\nm{l=\"".utf8) + [0xff, 0xfe] + Array("\"} 1\n".utf8)))
        server.set("/labels", body: "m{a=\"1\",b=\"2\",c=\"3\"} 1\n")
        let expected = [
            "status": "server returned HTTP status 500 Internal Server Error",
            "html": #"line 1: expected a valid start token, got "<html><body>hi</body></html>""#,
            "big": "body size limit exceeded",
            "many": "sample limit exceeded",
            "utf8": #"line 2: invalid UTF-8 label value: "\"\xff\xfe\"""#,
            "labels": "label_limit exceeded (metric: m, number of labels: 6, limit: 3)",
            "refused": #"Get "http://127.0.0.1:1/metrics": dial tcp 127.0.0.1:1: connect: connection refused"#,
            "nxdomain": #"Get "http://no-such-host.invalid:9100/metrics": dial tcp: lookup no-such-host.invalid: no such host"#,
        ]
        let (errors, _) = try await scrape(server, [
            job("status", server.address, path: "/500"),
            job("html", server.address, path: "/html"),
            job("big", server.address, path: "/big") { $0.bodySizeLimit = 1000 },
            job("many", server.address, path: "/many") { $0.sampleLimit = 2 },
            job("utf8", server.address, path: "/utf8"),
            job("labels", server.address, path: "/labels") { $0.labelLimit = 3 },
            job("refused", "127.0.0.1:1"),
            job("nxdomain", "no-such-host.invalid:9100"),
        ], expect: expected)
        for (name, message) in expected { #expect(errors[name]?.0 == message, "\(name)") }
        for name in ["status", "html", "big", "many", "utf8", "labels", "refused", "nxdomain"] {
            #expect(errors[name]?.1 == .down, "\(name): \(String(describing: errors[name]))")
        }
    }

    @Test func duplicateSeriesIsDroppedAndCountedNotFatal() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/dup", body: "m 1\nm 2\nn 3\n")
        let (errors, _) = try await scrape(server, [job("dup", server.address, path: "/dup")], expect: [:])
        #expect(errors["dup"]?.0 == "")
        #expect(errors["dup"]?.1 == .up)
    }

    @Test func appenderCountsTheDuplicate() throws {
        let storage = MemoryStorage()
        var appender = ScrapeAppender(target: makeTarget())
        let outcome = appender.append(body: Array("m 1\nm 2\n".utf8), contentType: nil, timestamp: 1000, to: storage)
        #expect(outcome.failure == nil)
        #expect(outcome.duplicates == 1)
        #expect(outcome.samplesPostRelabeling == 2)
        #expect(try samples(storage, #"m{instance="h:1", job="j"}"#).map(\.1) == [1])
    }
}
