import Config
import Hummingbird
import HummingbirdTesting
import MetricModel
import PromQL
import Scrape
import Storage
import Testing
@testable import WebAPI

@Suite struct TargetsAPITests {
    static func statuses() -> [TargetStatus] {
        var config = ScrapeConfig(jobName: "node", scrapeInterval: 15_000, scrapeTimeout: 5_000)
        config.staticConfigs = [StaticConfig(targets: ["a:9100"])]
        var active = TargetStatus(target: ScrapeTarget.targets(of: config)[0])
        active.health = .down
        active.lastError = "connection refused"
        active.lastScrape = 1_700_000_000_000
        active.lastScrapeDuration = 0.25
        let dropped = TargetStatus(dropped: DroppedTarget(scrapePool: "other",
                                                          discoveredLabels: Labels(["__address__": "b:1", "job": "other"])))
        return [active, dropped]
    }

    func get(_ uri: String) async throws -> String {
        let deps = APIDependencies(engine: Engine(queryable: MemoryStorage()), readiness: Readiness(),
                                   selfMetrics: { [] }, targets: { Self.statuses() })
        return try await Application(router: APIRouter.build(deps)).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in String(buffer: response.body) }
        }
    }

    static let activeJSON = #"{"discoveredLabels":{"__address__":"a:9100","__metrics_path__":"/metrics","__scheme__":"http","__scrape_interval__":"15s","__scrape_timeout__":"5s","job":"node"},"labels":{"instance":"a:9100","job":"node"},"scrapePool":"node","scrapeUrl":"http://a:9100/metrics","globalUrl":"http://a:9100/metrics","lastError":"connection refused","lastScrape":"2023-11-14T22:13:20.000Z","lastScrapeDuration":0.25,"health":"down","scrapeInterval":"15s","scrapeTimeout":"5s"}"#
    static let droppedJSON = #"{"discoveredLabels":{"__address__":"b:1","job":"other"},"scrapePool":"other"}"#

    @Test func anyStateListsActiveAndDropped() async throws {
        #expect(try await get("/api/v1/targets") ==
            #"{"status":"success","data":{"activeTargets":["# + Self.activeJSON + #"],"droppedTargets":["# + Self.droppedJSON
            + #"],"droppedTargetCounts":{"other":1}}}"#)
    }

    @Test func stateFilters() async throws {
        #expect(try await get("/api/v1/targets?state=active") ==
            #"{"status":"success","data":{"activeTargets":["# + Self.activeJSON + #"],"droppedTargets":[],"droppedTargetCounts":{}}}"#)
        #expect(try await get("/api/v1/targets?state=dropped") ==
            #"{"status":"success","data":{"activeTargets":[],"droppedTargets":["# + Self.droppedJSON
            + #"],"droppedTargetCounts":{"other":1}}}"#)
    }

    @Test func scrapePoolFilterInTheHandler() {
        var json = JSONWriter()
        TargetsHandler.writeData(Self.statuses(), state: nil, scrapePool: "other", &json)
        #expect(String(decoding: json.bytes, as: UTF8.self) ==
            #"{"activeTargets":[],"droppedTargets":["# + Self.droppedJSON + #"],"droppedTargetCounts":{"other":1}}"#)
        var none = JSONWriter()
        TargetsHandler.writeData(Self.statuses(), state: "any", scrapePool: "missing", &none)
        #expect(String(decoding: none.bytes, as: UTF8.self) == #"{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{}}"#)
    }
}
