import Hummingbird
import HummingbirdTesting
import MetricModel
import PromQL
import Storage
@testable import WebAPI

/// A router over a small in-memory storage: `up` for two jobs, `http_requests_total` with two
/// codes, `weird` with an escaped label value; all samples at 1_700_000_000 s.
func makeTestApp(readiness: Readiness = Readiness(), configure: (inout APIDependencies) -> Void = { _ in })
    throws -> some ApplicationProtocol {
    let storage = MemoryStorage()
    try storage.add(Labels(["__name__": "up", "job": "api", "instance": "a:1"]), [(1_700_000_000_000, 1)])
    try storage.add(Labels(["__name__": "up", "job": "web", "instance": "b:2"]), [(1_700_000_000_000, 0)])
    try storage.add(Labels(["__name__": "http_requests_total", "job": "api", "code": "200"]), [(1_700_000_000_000, 10)])
    try storage.add(Labels(["__name__": "http_requests_total", "job": "api", "code": "500"]), [(1_700_000_060_000, 2)])
    var deps = APIDependencies(engine: Engine(queryable: storage), readiness: readiness,
                               selfMetrics: { Array("# self\n".utf8) }, targets: { [] })
    configure(&deps)
    return Application(router: APIRouter.build(deps))
}

func bodyText(_ response: TestResponse) -> String { String(buffer: response.body) }

let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

/// `{"status":"success","data":<data>}`
func success(_ data: String, warnings: [String] = []) -> String {
    let tail = warnings.isEmpty ? "" : ",\"warnings\":[" + warnings.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    return "{\"status\":\"success\",\"data\":\(data)\(tail)}"
}

/// `{"status":"error","errorType":"bad_data","error":<message as JSON>}`
func badData(_ messageJSON: String) -> String {
    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\(messageJSON)}"
}
