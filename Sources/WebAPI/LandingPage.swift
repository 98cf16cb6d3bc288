import Hummingbird
import MetricModel

/// `/`: a minimal page with a query box that submits to `/api/v1/query`, so a person opening
/// http://localhost:9090 sees where to go. The full web UI replaces it.
enum LandingPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Ember</title>
        <style>body{font:16px system-ui,sans-serif;margin:3em auto;max-width:44em;padding:0 1em}
        input[type=text]{width:70%;font:inherit;padding:.3em}button{font:inherit;padding:.3em .8em}
        code{background:#f3f3f3;padding:0 .2em}</style></head>
        <body><h1>Ember \(EmberVersion.string)</h1>
        <p>A Prometheus-compatible monitoring server. Ask it a PromQL query:</p>
        <form action="api/v1/query" method="get"><input type="text" name="query" value="up" autofocus>
        <button type="submit">Execute</button></form>
        <p>Point Grafana at this server as a <b>Prometheus</b> data source.
        Targets: <a href="api/v1/targets">api/v1/targets</a> ·
        Ember's own metrics: <a href="metrics">metrics</a> ·
        Health: <a href="-/healthy">-/healthy</a>, <a href="-/ready">-/ready</a></p>
        </body></html>
        """

    static func response() -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
