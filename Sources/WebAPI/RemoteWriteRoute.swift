import HTTPTypes
import Hummingbird
import RemoteWrite

/// `POST /api/v1/write`, Prometheus's remote-write receiver endpoint.
///
/// Contract: 503 "Service Unavailable" until the server is ready (as every Prometheus API write
/// route); without a receiver (no `--web.enable-remote-write-receiver`) 404 with Prometheus's
/// message; otherwise the receiver's outcome — 204 on success, else its status with the message as
/// Go's `http.Error` writes it. Bodies over `maxCompressedBytes` get 413 before any decoding.
enum RemoteWriteRoute {
    static let maxCompressedBytes = 64 << 20

    static func add(to routes: RouteTable, receiver: RemoteWriteReceiver?, readiness: Readiness) {
        routes.add("/api/v1/write", [.post]) { request, _ in
            guard readiness.isReady else {
                var response = Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                                        body: ResponseBody(byteBuffer: ByteBuffer(string: "Service Unavailable")))
                response.headers[HTTPField.Name("X-Prometheus-Stopping")!] = "false"
                return response
            }
            guard let receiver else {
                return goError(.notFound, "remote write receiver needs to be enabled with --web.enable-remote-write-receiver")
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: maxCompressedBytes) } catch {
                return goError(.contentTooLarge, "remote write request body is over \(maxCompressedBytes) bytes")
            }
            let outcome = receiver.receive(body: Array(buffer: body), contentType: request.headers[.contentType],
                                           contentEncoding: request.headers[.contentEncoding])
            var response: Response
            if let message = outcome.message {
                response = goError(HTTPResponse.Status(code: outcome.status), message)
            } else {
                response = Response(status: HTTPResponse.Status(code: outcome.status))
            }
            // Prometheus sets the remote-write 2.0 statistics headers on every stored request; for
            // 1.0 requests they stay zero there, so they do here.
            if outcome.status != 415, !(outcome.message?.hasPrefix("snappy:") ?? false) {
                for name in ["X-Prometheus-Remote-Write-Samples-Written", "X-Prometheus-Remote-Write-Histograms-Written",
                             "X-Prometheus-Remote-Write-Exemplars-Written"] {
                    response.headers[HTTPField.Name(name)!] = "0"
                }
            }
            return response
        }
    }

    /// A plain-text error as Go's `http.Error` writes it: the message and a newline, nosniff.
    static func goError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var response = APIRouter.plain(status, message + "\n")
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
