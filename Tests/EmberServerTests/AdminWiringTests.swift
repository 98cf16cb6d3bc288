import EmberServer
import Foundation
import MetricModel
import Testing
import TSDB

extension WebWiringTests {
    @Test func tsdbStatusAndAdminDeleteOverRealHTTP() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, base) = try await start({ $0.enableAdminAPI = true }, config: Self.config, in: directory)
        #expect(try await eventually(seconds: 60) { try await httpGet(base + "/-/ready").0 == 200 })
        let app = server.head.appender()
        for user in 0..<3 {
            _ = try app.append(0, Labels(["__name__": "req", "user_id": "u\(user)"]), 5000, 1)
        }
        try app.commit()
        let limited = try await httpGet(base + "/api/v1/status/tsdb?limit=1")
        #expect(limited == (200, #"{"status":"success","data":{"headStats":{"numSeries":3,"numLabelPairs":4,"chunkCount":3,"minTime":5000,"maxTime":5000},"seriesCountByMetricName":[{"name":"req","value":3}],"labelValueCountByLabelName":[{"name":"user_id","value":3}],"memoryInBytesByLabelName":[{"name":"__name__","value":39}],"seriesCountByLabelValuePair":[{"name":"__name__=req","value":3}]}}"#))
        #expect(try await httpGet(base + "/api/v1/status/walreplay") == (200, #"{"status":"success","data":{"min":0,"max":0,"current":0}}"#))

        let deleted = try await post(base + "/api/v1/admin/tsdb/delete_series?match%5B%5D=req%7Buser_id%3D%22u1%22%7D")
        #expect(deleted.0 == 204, "\(deleted.1)")
        #expect(try await post(base + "/api/v1/admin/tsdb/clean_tombstones") == (204, ""))
        #expect(server.head.stats.series == 2)
        await server.shutdown()
        try await task.value

        // The deletion survives a restart.
        let (again, task2, base2) = try await start({ $0.enableAdminAPI = false }, config: Self.config, in: directory)
        #expect(try await eventually(seconds: 60) { try await httpGet(base2 + "/-/ready").0 == 200 })
        #expect(again.head.stats.series == 2)
        #expect(try await post(base2 + "/api/v1/admin/tsdb/clean_tombstones") == (500, #"{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}"#))
        await again.shutdown()
        try await task2.value
    }
}
