import Exposition
import MetricModel

/// A scrape body in the Prometheus text format shaped like an API gateway's `/metrics`: a request
/// counter and a latency histogram, both labelled by `method`, `route` and `status_code`.
///
/// Every endpoint (method, route, status code) contributes 20 series: one counter and a histogram of
/// 17 buckets (`+Inf` included) plus `_sum` and `_count`. So a body of `series` series has
/// `series / 20` endpoints; `series` must be a multiple of 20.
public struct GatewayExposition: Sendable {
    public static let seriesPerEndpoint = 20
    static let bucketBounds = [
        "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
        "1", "2.5", "5", "10", "30", "60", "+Inf",
    ]
    static let resources = [
        "users", "orders", "payments", "carts", "products", "inventory", "shipments", "invoices",
        "sessions", "tokens", "reviews", "coupons", "addresses", "notifications", "search", "reports",
    ]
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    static let statusCodes = ["200", "201", "204", "301", "304", "400", "401", "403", "404", "409", "422",
                              "429", "500", "502", "503", "504"]

    struct Endpoint: Sendable {
        var method: String
        var route: String
        var statusCode: String
        /// Requests per scrape interval, so successive scrapes grow realistically.
        var rate: Int
    }

    let endpoints: [Endpoint]

    /// The endpoint set for a body of `series` series, the same on every call.
    public init(series: Int) {
        precondition(series % Self.seriesPerEndpoint == 0, "series must be a multiple of 20")
        let wanted = series / Self.seriesPerEndpoint
        var rng = SeededGenerator(seed: 0x6A7E_3A7)
        var endpoints: [Endpoint] = []
        endpoints.reserveCapacity(wanted)
        var routeIndex = 0
        while endpoints.count < wanted {
            // Routes: /api/v<n>/<resource>, .../{id}, .../{id}/<sub-resource>; the version grows so
            // the supply never runs out.
            let resource = Self.resources[routeIndex % Self.resources.count]
            let version = 1 + routeIndex / (Self.resources.count * 3)
            let route: String
            switch (routeIndex / Self.resources.count) % 3 {
            case 0: route = "/api/v\(version)/\(resource)"
            case 1: route = "/api/v\(version)/\(resource)/{id}"
            default:
                let sub = Self.resources[(routeIndex * 7 + 3) % Self.resources.count]
                route = "/api/v\(version)/\(resource)/{id}/\(sub)"
            }
            routeIndex += 1
            for method in Self.methods.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)) {
                let codes = Self.statusCodes.shuffled(using: &rng).prefix(Int.random(in: 2...8, using: &rng))
                for code in codes where endpoints.count < wanted {
                    endpoints.append(Endpoint(method: method, route: route, statusCode: code,
                                              rate: Int.random(in: 1...5_000, using: &rng)))
                }
            }
        }
        self.endpoints = endpoints
    }

    public var seriesCount: Int { endpoints.count * Self.seriesPerEndpoint }

    /// The body of the `scrape`-th scrape (0, 1, 2, ...): same series every time, counters grown.
    public func body(scrape: Int) -> [UInt8] {
        var text = ""
        text.reserveCapacity(seriesCount * 110)
        text += "# HELP http_requests_total Requests handled by the gateway.\n"
        text += "# TYPE http_requests_total counter\n"
        for e in endpoints {
            text += "http_requests_total{method=\"\(e.method)\",route=\"\(e.route)\",status_code=\"\(e.statusCode)\"} "
            text += "\(e.rate * (100 + scrape))\n"
        }
        text += "# HELP http_request_duration_seconds Request latency as seen by the gateway.\n"
        text += "# TYPE http_request_duration_seconds histogram\n"
        for e in endpoints {
            let labels = "method=\"\(e.method)\",route=\"\(e.route)\",status_code=\"\(e.statusCode)\""
            let total = e.rate * (100 + scrape)
            for (i, le) in Self.bucketBounds.enumerated() {
                // Cumulative counts: the share of requests under each bound grows towards 1.
                let share = Double(i + 1) / Double(Self.bucketBounds.count)
                let count = le == "+Inf" ? total : Int(Double(total) * share * share)
                text += "http_request_duration_seconds_bucket{\(labels),le=\"\(le)\"} \(count)\n"
            }
            text += "http_request_duration_seconds_sum{\(labels)} \(Double(total) * 0.0375)\n"
            text += "http_request_duration_seconds_count{\(labels)} \(total)\n"
        }
        return Array(text.utf8)
    }

    /// The label sets of the body's series, in body order, as the parser decodes them.
    public func seriesLabels() -> [Labels] {
        var parser = ExpositionParser(bytes: body(scrape: 0), format: .prometheusText)
        var all: [Labels] = []
        all.reserveCapacity(seriesCount)
        while let entry = try? parser.next(), entry != .eof {
            if entry == .sample, let labels = try? parser.labels() { all.append(labels) }
        }
        precondition(all.count == seriesCount, "fixture body did not parse completely")
        return all
    }
}
