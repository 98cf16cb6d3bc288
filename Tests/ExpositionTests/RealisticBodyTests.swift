import Exposition
import MetricModel
import Testing

@Suite struct RealisticBodyTests {
    static let nodeExporter = """
    # HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
    # TYPE go_gc_duration_seconds summary
    go_gc_duration_seconds{quantile="0"} 2.1147e-05
    go_gc_duration_seconds{quantile="0.25"} 3.4708e-05
    go_gc_duration_seconds{quantile="0.5"} 4.2511e-05
    go_gc_duration_seconds{quantile="0.75"} 6.6063e-05
    go_gc_duration_seconds{quantile="1"} 0.001198309
    go_gc_duration_seconds_sum 0.089127511
    go_gc_duration_seconds_count 1412
    # HELP go_goroutines Number of goroutines that currently exist.
    # TYPE go_goroutines gauge
    go_goroutines 8
    # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
    # TYPE node_cpu_seconds_total counter
    node_cpu_seconds_total{cpu="0",mode="idle"} 2.13498716e+06
    node_cpu_seconds_total{cpu="0",mode="iowait"} 1203.57
    node_cpu_seconds_total{cpu="1",mode="idle"} 2.13544612e+06
    # HELP node_disk_io_time_seconds_total Total seconds spent doing I/Os.
    # TYPE node_disk_io_time_seconds_total counter
    node_disk_io_time_seconds_total{device="nvme0n1"} 4567.123
    # HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
    # TYPE node_filesystem_avail_bytes gauge
    node_filesystem_avail_bytes{device="/dev/nvme0n1p2",fstype="ext4",mountpoint="/"} 3.9018516480e+11
    node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run/user/1000"} 1.6808550400e+09
    # HELP node_uname_info Labeled system information as provided by the uname system call.
    # TYPE node_uname_info gauge
    node_uname_info{domainname="(none)",machine="x86_64",nodename="web-01",release="6.8.0-45-generic",sysname="Linux",version="#45-Ubuntu SMP PREEMPT_DYNAMIC"} 1
    # HELP node_network_receive_bytes_total Network device statistic receive_bytes.
    # TYPE node_network_receive_bytes_total counter
    node_network_receive_bytes_total{device="eth0"} 8.4302137518e+10
    node_network_receive_bytes_total{device="lo"} 1.2945e+07
    # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
    # TYPE process_start_time_seconds gauge
    process_start_time_seconds 1.73287431512e+09
    # HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
    # TYPE promhttp_metric_handler_requests_total counter
    promhttp_metric_handler_requests_total{code="200"} 16452
    promhttp_metric_handler_requests_total{code="500"} 0
    promhttp_metric_handler_requests_total{code="503"} 0
    # HELP node_scrape_collector_duration_seconds node_exporter: Duration of a collector scrape.
    # TYPE node_scrape_collector_duration_seconds gauge
    node_scrape_collector_duration_seconds{collector="cpu"} 0.000521394
    node_textfile_mtime_seconds{file="/var/lib/node_exporter/backup.prom"} 1.732e+09
    """

    @Test func nodeExporterLikeBody() throws {
        let parsed = try parseAll(Self.nodeExporter)
        let samples = parsed.filter { $0.entry == .sample }
        #expect(samples.count == 23)
        #expect(parsed.filter { $0.entry == .help }.count == 10)
        let quantiles = samples.prefix(5).map { $0.labels["quantile"] ?? "?" }
        #expect(quantiles == ["0", "0.25", "0.5", "0.75", "1"])
        #expect(samples[4].value == 0.001198309)
        #expect(samples[6].labels == Labels(["__name__": "go_gc_duration_seconds_count"]) && samples[6].value == 1412)
        #expect(samples[8].labels == Labels(["__name__": "node_cpu_seconds_total", "cpu": "0", "mode": "idle"]))
        #expect(samples[8].value == 2_134_987.16)
        let uname = try #require(samples.first { $0.labels.metricName == "node_uname_info" })
        #expect(uname.labels["version"] == "#45-Ubuntu SMP PREEMPT_DYNAMIC" && uname.labels.count == 7)
        #expect(samples.last?.value == 1.732e9 && samples.last?.timestamp == nil)
        let types = parsed.filter { $0.entry == .type }.map(\.text)
        #expect(types.first == "summary" && types.contains("counter") && types.contains("gauge"))
    }

    static let gatewayBuckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]

    static var gateway: String {
        var body = """
        # HELP gateway_requests_total Requests handled, by upstream service, route and status.
        # TYPE gateway_requests_total counter

        """
        let routes = [("users", "GET /v1/users/{id}"), ("orders", "POST /v1/orders"), ("search", "GET /v1/search?q=")]
        for (service, route) in routes {
            for code in ["200", "404", "503"] {
                body += "gateway_requests_total{service=\"\(service)\",route=\"\(route)\",code=\"\(code)\"} \(service.count * 1000 + Int(code)!) 1732874315000\n"
            }
        }
        body += """
        # HELP gateway_request_duration_seconds Upstream latency.
        # TYPE gateway_request_duration_seconds histogram

        """
        for (service, _) in routes {
            for (index, le) in gatewayBuckets.enumerated() {
                body += "gateway_request_duration_seconds_bucket{service=\"\(service)\",le=\"\(le)\"} \(index * 10)\n"
            }
            body += "gateway_request_duration_seconds_sum{service=\"\(service)\"} 12.75\n"
            body += "gateway_request_duration_seconds_count{service=\"\(service)\"} 110\n"
        }
        body += """
        # HELP gateway_upstream_latency_summary_seconds Latency quantiles.
        # TYPE gateway_upstream_latency_summary_seconds summary
        gateway_upstream_latency_summary_seconds{quantile="0.5",service="users"} 0.012
        gateway_upstream_latency_summary_seconds{quantile="0.99",service="users"} NaN
        gateway_upstream_latency_summary_seconds_sum{service="users"} 1.5e-1
        gateway_upstream_latency_summary_seconds_count{service="users"} 12
        # HELP gateway_config_info Loaded config, with a "quoted" name and a \\\\ backslash.
        # TYPE gateway_config_info gauge
        gateway_config_info{hash="sha256:9f2c",path="C:\\\\gw\\\\config.yaml",note="line1\\nline2"} 1

        """
        return body
    }

    @Test func apiGatewayLikeBody() throws {
        let parsed = try parseAll(Self.gateway)
        let samples = parsed.filter { $0.entry == .sample }
        #expect(samples.count == 9 + 3 * 14 + 4 + 1)
        #expect(samples[0].labels["route"] == "GET /v1/users/{id}" && samples[0].timestamp == 1_732_874_315_000)
        let buckets = samples.filter { $0.labels.metricName == "gateway_request_duration_seconds_bucket" }
        #expect(buckets.count == 36)
        #expect(buckets.prefix(12).map { $0.labels["le"]! } == Self.gatewayBuckets)
        #expect(buckets[11].value == 110)
        let p99 = try #require(samples.first { $0.labels["quantile"] == "0.99" })
        #expect(p99.value.isNaN)
        let info = try #require(samples.last)
        #expect(info.labels["path"] == #"C:\gw\config.yaml"#)
        #expect(info.labels["note"] == "line1\nline2")
        let help = parsed.filter { $0.entry == .help }.last!
        #expect(help.text == #"Loaded config, with a "quoted" name and a \ backslash."#)
    }

    @Test func sameBodyAsOpenMetrics() throws {
        let text = Self.gateway.split(separator: "\n").filter { !$0.isEmpty }
            .map { $0.replacingOccurrences(of: " 1732874315000", with: " 1732874315") }.joined(separator: "\n")
        let om = text + "\n# EOF\n"
        let fromText = try samples(Self.gateway)
        let fromOM = try samples(om, .openMetrics)
        #expect(sameSamples(fromText, fromOM))
    }

    @Test func writerReproducesAParsedBody() throws {
        var buffer: [UInt8] = []
        for (labels, value, timestamp) in try samples(Self.nodeExporter + "\n" + Self.gateway) {
            ExpositionWriter.appendSample(labels, value: value, timestamp: timestamp, to: &buffer)
        }
        let again = try samples(String(decoding: buffer, as: UTF8.self))
        #expect(sameSamples(again, try samples(Self.nodeExporter + "\n" + Self.gateway)))
    }

    @Test func largeBodyParsesWithoutDecodingLabels() throws {
        var body = ""
        for i in 0..<20_000 { body += "req_total{pod=\"p\(i % 50)\",code=\"\(200 + i % 5)\"} \(i).5 \(1_700_000_000_000 + i)\n" }
        var parser = ExpositionParser(bytes: Array(body.utf8), format: .prometheusText)
        var count = 0
        var sum = 0.0
        while try parser.next() == .sample {
            count += 1
            sum += parser.value
        }
        #expect(count == 20_000)
        #expect(sum == (0..<20_000).reduce(0.0) { $0 + Double($1) + 0.5 })
    }
}

extension Substring {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        String(self).replacingOccurrences(target, replacement)
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        replacingOccurrences(target, replacement)
    }
}
