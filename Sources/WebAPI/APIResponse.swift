import Hummingbird
import PromQL

/// Builds responses in Prometheus's API envelope.
///
/// Contract: success is `{"status":"success","data":...}` with HTTP 200; failure is
/// `{"status":"error","errorType":"...","error":"..."}` with the status Prometheus uses for that
/// error type; both are `application/json`.
public enum APIResponse {
    public static func success(_ writeData: (inout JSONWriter) -> Void) -> Response {
        var json = JSONWriter()
        json.raw("{\"status\":\"success\",\"data\":")
        writeData(&json)
        json.raw("}")
        return make(status: .ok, json: json)
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
        Self.error(error.errorType, error.description, status: HTTPResponse.Status(code: error.httpStatus))
    }

    public static func badData(_ message: String) -> Response {
        Self.error("bad_data", message, status: .badRequest)
    }

    static func make(status: HTTPResponse.Status, json: JSONWriter) -> Response {
        Response(status: status,
                 headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
