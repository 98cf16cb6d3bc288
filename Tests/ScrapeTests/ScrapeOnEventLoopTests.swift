import AsyncHTTPClient
import Config
import Logging
import Metrics
import MetricModel
import NIOCore
import NIOPosix
import Storage
import Testing
@testable import Scrape

/// A scrape loop runs on an event loop of its client (`EventLoopExecutor`): the timeout is that
/// loop's timer and holds whether the head or the body stalls, a large body is appended off the
/// loop, and cancelling the loop ends its wait at once.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ScrapeOnEventLoopTests {
    func target(_ address: String, interval: Int64 = 15_000, timeout: Int64 = 300) throws -> ScrapeTarget {
        var config = ScrapeConfig(jobName: "j", scrapeInterval: interval, scrapeTimeout: timeout)
        config.staticConfigs = [StaticConfig(targets: [address])]
        return try #require(ScrapeTarget.targets(of: config).first)
    }

    func loop(_ target: ScrapeTarget, _ storage: MemoryStorage) -> ScrapeLoop {
        ScrapeLoop(target: target, scraper: HTTPScraper(client: .shared), storage: storage,
                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                   metrics: ScrapeMetrics(factory: NOOPMetricsHandler.instance))
    }

    /// Fetches `target` from a task on the loop's executor; the error, or nil, and the seconds taken.
    /// The client has an event loop of its own: the shared group's loops also serve other suites'
    /// servers, whose work there (slow in a debug build) would delay this loop's timers.
    func fetchOnLoop(_ target: ScrapeTarget) async throws -> (ScrapeError?, Double) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = HTTPClient(eventLoopGroupProvider: .shared(group))
        let executor = EventLoopExecutor(group.next())
        let clock = ContinuousClock()
        let start = clock.now
        let error = await Task(executorPreference: executor) { () -> ScrapeError? in
            do throws(ScrapeError) {
                _ = try await HTTPScraper(client: client).fetch(target)
                return nil
            } catch {
                return error
            }
        }.value
        let elapsed = clock.now - start
        try await client.shutdown()
        try await group.shutdownGracefully()
        return (error, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    @Test func aTargetThatNeverAnswersTimesOut() async throws {
        let listener = try StallingListener(reply: "")
        defer { listener.close() }
        let (error, seconds) = try await fetchOnLoop(try target(listener.address))
        #expect(error == .timeout(milliseconds: 300))
        #expect(error?.description == "context deadline exceeded (scrape timeout 300ms)")
        #expect(seconds < 5)
    }

    @Test func aBodyThatStallsTimesOut() async throws {
        // The head and half the body arrive; AsyncHTTPClient's own deadline ends at the head.
        let listener = try StallingListener(reply: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nm 1\n")
        defer { listener.close() }
        let (error, seconds) = try await fetchOnLoop(try target(listener.address))
        #expect(error == .timeout(milliseconds: 300))
        #expect(seconds < 5)
    }

    @Test func aBodyOverTheLimitFailsAsItArrives() async throws {
        let listener = try StallingListener(reply: "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "m 1\n", count: 300))
        defer { listener.close() }
        var config = ScrapeConfig(jobName: "j", scrapeInterval: 15_000, scrapeTimeout: 2_000)
        config.staticConfigs = [StaticConfig(targets: [listener.address])]
        config.bodySizeLimit = 1000
        let (error, seconds) = try await fetchOnLoop(try #require(ScrapeTarget.targets(of: config).first))
        #expect(error == .bodyTooLarge(limit: 1000))
        #expect(seconds < 1.5)
    }

    @Test func smallAndLargeBodiesAreAppendedWhole() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        let large = (0..<4000).map { "a_metric_with_a_long_enough_name{series=\"value-number-\($0)\"} \($0)\n" }.joined()
        #expect(large.utf8.count > ScrapeLoop.inlineBodyBytes)
        server.set("/small", body: "m 1\nn 2\n")
        server.set("/large", body: large)
        for (path, count) in [("/small", 2), ("/large", 4000)] {
            let storage = MemoryStorage()
            var config = ScrapeConfig(jobName: "j", scrapeInterval: 15_000, scrapeTimeout: 5_000)
            config.metricsPath = path
            config.staticConfigs = [StaticConfig(targets: [server.address])]
            let loop = loop(try #require(ScrapeTarget.targets(of: config).first), storage)
            await Task(executorPreference: loop.executor) { await loop.scrapeOnce(timestamp: 1000) }.value
            loop.release()
            #expect(loop.status.withLock { $0.health } == .up, "\(path)")
            #expect(loop.status.withLock { $0.lastSamples } == count, "\(path)")
            // The scraped series plus the five report series.
            #expect(try dump(storage).count == count + 5, "\(path)")
        }
    }

    @Test func cancellingTheLoopEndsItsWaitAtOnce() async throws {
        let listener = try StallingListener(reply: "")
        defer { listener.close() }
        let loop = loop(try target(listener.address, interval: 60_000, timeout: 10_000), MemoryStorage())
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task(executorPreference: loop.executor) { await loop.run() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await task.value
        loop.release()
        #expect(clock.now - start < .seconds(5))
    }
}
