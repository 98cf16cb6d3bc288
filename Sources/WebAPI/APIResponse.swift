import Hummingbird
import PromQL

/// Builds responses in Prometheus's API envelope.
///
/// Contract: success is `{"status":"success","data":...}` with HTTP 200, followed by
/// `"warnings":[...]` and `"infos":[...]` only when there are some; failure is
/// `{"status":"error","errorType":"...","error":"..."}` with the status `APIError` maps the type
/// to; both are `application/json`. A call with no data answers 204 with no body.
public enum APIResponse {
    public static func success(warnings: [String] = [], infos: [String] = [],
                               _ writeData: (inout JSONWriter) -> Void) -> Response {
        var json = JSONWriter()
        json.raw("{\"status\":\"success\",\"data\":")
        writeData(&json)
        if !warnings.isEmpty {
            json.raw(",\"warnings\":")
            json.stringArray(warnings)
        }
        if !infos.isEmpty {
            json.raw(",\"infos\":")
            json.stringArray(infos)
        }
        json.raw("}")
        return make(status: .ok, json: json)
    }

    /// Prometheus's answer when a handler has no data (e.g. exemplars for a query without selectors).
    public static func noContent() -> Response {
        Response(status: .noContent)
    }

    public static func error(_ error: APIError) -> Response {
        var json = JSONWriter()
        json.raw("{\"status\":\"error\",\"errorType\":")
        json.string(error.kind.rawValue)
        json.raw(",\"error\":")
        json.string(error.message)
        json.raw("}")
        return make(status: error.status, json: json)
    }

    public static func error(_ type: String, _ message: String, status: HTTPResponse.Status) -> Response {
        var json = JSONWriter()
        json.raw("{\"status\":\"error\",\"errorType\":")
        json.string(type)
        json.raw(",\"error\":")
        json.string(message)
        json.raw("}")
        return make(status: status, json: json)
    }

    public static func error(_ error: QueryError) -> Response {
        Self.error(APIError(error))
    }

    public static func badData(_ message: String) -> Response {
        Self.error(APIError.badData(message))
    }

    static func make(status: HTTPResponse.Status, json: JSONWriter) -> Response {
        Response(status: status,
                 headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: json.withBytes { ByteBuffer(bytes: $0) }))
    }
}
