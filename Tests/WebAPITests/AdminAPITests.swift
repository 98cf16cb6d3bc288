import Hummingbird
import HummingbirdTesting
import MetricModel
import Synchronization
import Testing
@testable import WebAPI

@Suite struct AdminAPITests {
    /// Records the calls the admin hooks get.
    final class Calls: Sendable {
        let deletes = Mutex<[(sets: [[String]], start: Timestamp, end: Timestamp)]>([])
        let cleans = Mutex(0)
    }

    static func app(enabled: Bool, calls: Calls) throws -> some ApplicationProtocol {
        try makeTestApp { deps in
            deps.admin.enabled = enabled
            deps.admin.deleteSeries = { sets, start, end in
                calls.deletes.withLock { $0.append((sets.map { $0.map(\.description) }, start, end)) }
            }
            deps.admin.cleanTombstones = { calls.cleans.withLock { $0 += 1 } }
        }
    }

    @Test func disabledAdminAPIAnswersPrometheusError() async throws {
        let calls = Calls()
        let app = try Self.app(enabled: false, calls: calls)
        try await app.test(.router) { client in
            for path in ["delete_series?match[]=up", "clean_tombstones"] {
                for method in [HTTPRequest.Method.post, .put] {
                    try await client.execute(uri: "/api/v1/admin/tsdb/\(path)", method: method) { response in
                        #expect(response.status == .internalServerError)
                        #expect(bodyText(response) == #"{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}"#)
                    }
                }
            }
            try await client.execute(uri: "/api/v1/admin/tsdb/clean_tombstones", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
            }
        }
        #expect(calls.deletes.withLock { $0.isEmpty })
        #expect(calls.cleans.withLock { $0 } == 0)
    }

    @Test func deleteSeriesPassesMatchersAndRange() async throws {
        let calls = Calls()
        let app = try Self.app(enabled: true, calls: calls)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series?match[]=up%7Bjob%3D%22a%22%7D&start=10&end=20.5",
                                     method: .post) { response in
                #expect(response.status == .noContent)
                #expect(bodyText(response) == "")
            }
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series", method: .put, headers: formHeaders,
                                     body: ByteBuffer(string: "match[]=up&match[]=%7Bjob%3D%22b%22%7D")) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/admin/tsdb/clean_tombstones", method: .put) { response in
                #expect(response.status == .noContent)
            }
        }
        let deletes = calls.deletes.withLock { $0 }
        #expect(deletes.count == 2)
        #expect(deletes[0].sets == [["job=\"a\"", "__name__=\"up\""]])
        #expect(deletes[0].start == 10_000 && deletes[0].end == 20_500)
        #expect(deletes[1].sets == [["__name__=\"up\""], ["job=\"b\""]])
        #expect(deletes[1].start == APIParameters.minTime && deletes[1].end == APIParameters.maxTime)
        #expect(calls.cleans.withLock { $0 } == 1)
    }

    @Test func deleteSeriesRejectsBadParameters() async throws {
        let calls = Calls()
        let app = try Self.app(enabled: true, calls: calls)
        let cases: [(String, String)] = [
            ("", #""no match[] parameter provided""#),
            ("match[]=up&start=x", #""invalid parameter \"start\": invalid time value for 'start': cannot parse \"x\" to a valid timestamp""#),
            ("match[]=up&end=y", #""invalid parameter \"end\": invalid time value for 'end': cannot parse \"y\" to a valid timestamp""#),
            ("match[]=%7Bjob%3D%22%22%7D", #""invalid parameter \"match[]\": match[] must contain at least one non-empty matcher""#),
        ]
        try await app.test(.router) { client in
            for (query, message) in cases {
                try await client.execute(uri: "/api/v1/admin/tsdb/delete_series?\(query)", method: .post) { response in
                    #expect(response.status == .badRequest)
                    #expect(bodyText(response) == badData(message))
                }
            }
        }
        #expect(calls.deletes.withLock { $0.isEmpty })
    }

    @Test func aFailingDeleteIsAnInternalError() async throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "write data/wal/00000003: No space left on device" } }
        let app = try makeTestApp { deps in
            deps.admin.enabled = true
            deps.admin.deleteSeries = { _, _, _ in throw Broken() }
        }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series?match[]=up", method: .post) { response in
                #expect(response.status == .internalServerError)
                #expect(bodyText(response) == #"{"status":"error","errorType":"internal","error":"write data/wal/00000003: No space left on device"}"#)
            }
        }
    }
}
