import Foundation
import Testing
@testable import Config
import MetricModel

@Suite struct FullConfigTests {
    /// Prometheus's documented starter configuration (documentation/examples/prometheus.yml), in
    /// its shape: a global block with comments, an alerting block with an all-commented target
    /// list, an empty rule_files list and one self-scrape job with a static label.
    static let docsExample = """
    # my global config
    global:
      scrape_interval: 15s # Set the scrape interval to every 15 seconds. Default is every 1 minute.
      evaluation_interval: 15s # Evaluate rules every 15 seconds. The default is every 1 minute.
      # scrape_timeout is set to the global default (10s).

    # Alertmanager configuration
    alerting:
      alertmanagers:
        - static_configs:
            - targets:
              # - alertmanager:9093

    # Load rules once and periodically evaluate them according to the global 'evaluation_interval'.
    rule_files:
      # - "first_rules.yml"
      # - "second_rules.yml"

    # A scrape configuration containing exactly one endpoint to scrape:
    # Here it's Prometheus itself.
    scrape_configs:
      # The job name is added as a label `job=<job_name>` to any timeseries scraped from this config.
      - job_name: "prometheus"

        # metrics_path defaults to '/metrics'
        # scheme defaults to 'http'.

        static_configs:
          - targets: ["localhost:9090"]
           # The label name is added as a label `label_name=<label_value>` to any timeseries scraped from this config.
            labels:
              app: "prometheus"
        scrape_native_histograms: true
    """

    @Test func docsExampleLoads() throws {
        let c = try parse(Self.docsExample)
        #expect(c.global.scrapeInterval == 15_000)
        #expect(c.global.evaluationInterval == 15_000)
        #expect(c.global.scrapeTimeout == 10_000)
        #expect(c.ruleFiles.isEmpty)
        #expect(c.scrapeConfigs.count == 1)
        let s = c.scrapeConfigs[0]
        #expect(s.jobName == "prometheus")
        #expect(s.scrapeInterval == 15_000 && s.scrapeTimeout == 10_000)
        #expect(s.staticConfigs == [StaticConfig(targets: ["localhost:9090"], labels: Labels(["app": "prometheus"]))])
        #expect(s.scrapeNativeHistograms)
        #expect(s.scrapeProtocols == ScrapeProtocol.protoFirst)
        #expect(c.warnings.map(\.description) == [
            "prometheus.yml:8: alerting is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:15: rule_files is accepted but not supported by Ember yet; it has no effect",
        ])
    }

    static let full = """
    global:
      scrape_interval: 30s
      scrape_timeout: 20s
      evaluation_interval: 45s
      rule_query_offset: 10s
      query_log_file: /var/log/prometheus/query.log
      scrape_failure_log_file: /var/log/prometheus/scrape-failures.log
      scrape_protocols: [OpenMetricsText1.0.0, PrometheusText0.0.4]
      body_size_limit: 64MB
      sample_limit: 50000
      target_limit: 1000
      label_limit: 64
      label_name_length_limit: 128
      label_value_length_limit: 2048
      keep_dropped_targets: 100
      metric_name_validation_scheme: utf8
      metric_name_escaping_scheme: underscores
      convert_classic_histograms_to_nhcb: false
      always_scrape_classic_histograms: true
      extra_scrape_metrics: true
      external_labels:
        cluster: prod-eu
        replica: "0"

    runtime:
      gogc: 50

    rule_files:
      - /etc/prometheus/rules/*.yml
      - alerts.yaml
    scrape_config_files:
      - /etc/prometheus/scrape.d/*.yml

    alerting:
      alert_relabel_configs:
        - action: labeldrop
          regex: replica
      alertmanagers:
        - scheme: https
          path_prefix: /am
          timeout: 5s
          api_version: v2
          basic_auth:
            username: prom
            password_file: /etc/secrets/am
          static_configs:
            - targets: [am-0:9093, am-1:9093]
          dns_sd_configs:
            - names: [_am._tcp.example.org]
          relabel_configs:
            - source_labels: [__address__]
              regex: am-1.*
              action: drop

    scrape_configs:
      - job_name: prometheus
        honor_timestamps: false
        track_timestamps_staleness: true
        static_configs:
          - targets: ["localhost:9090"]

      - job_name: node
        scrape_interval: 15s
        scrape_timeout: 5s
        metrics_path: /probe
        scheme: https
        params:
          module: [http_2xx, tcp]
          target: [example.org]
        honor_labels: true
        enable_compression: false
        sample_limit: 1000
        body_size_limit: 1GiB
        fallback_scrape_protocol: PrometheusText0.0.4
        scrape_protocols: [PrometheusProto, OpenMetricsText1.0.0]
        native_histogram_bucket_limit: 160
        native_histogram_min_bucket_factor: 1.1
        metric_name_validation_scheme: legacy
        basic_auth:
          username: scraper
          password: ${SCRAPE_PASSWORD:-secret}
        tls_config:
          ca_file: /etc/ssl/ca.pem
          cert_file: /etc/ssl/client.pem
          key_file: /etc/ssl/client.key
          server_name: node.internal
          min_version: TLS12
        proxy_url: http://proxy.internal:3128
        no_proxy: localhost,127.0.0.1
        follow_redirects: false
        enable_http2: false
        static_configs:
          - targets: [node-1:9100, node-2:9100]
            labels:
              env: prod
              team: infra
          - targets: [node-3:9100]
        file_sd_configs:
          - files: [/etc/prometheus/targets/*.json, extra.yml]
            refresh_interval: 1m
        relabel_configs:
          - source_labels: [__address__]
            target_label: __param_target
          - source_labels: [__param_target]
            target_label: instance
          - target_label: __address__
            replacement: blackbox:9115
          - source_labels: [__address__]
            modulus: 8
            target_label: __tmp_hash
            action: hashmod
          - source_labels: [__tmp_hash]
            regex: ^1$
            action: keep
          - action: labelmap
            regex: __meta_(.+)
          - source_labels: [env, team]
            separator: "/"
            regex: (.+)/(.+)
            target_label: owner
            replacement: $2@$1
        metric_relabel_configs:
          - source_labels: [__name__]
            regex: go_gc_.*
            action: drop
          - source_labels: [instance]
            target_label: host
            action: lowercase

      - job_name: k8s
        authorization:
          credentials_file: /var/run/secrets/token
        kubernetes_sd_configs:
          - role: pod
            namespaces:
              names: [default]
        http_sd_configs:
          - url: http://sd.internal/targets
            refresh_interval: 2m
            basic_auth:
              username: sd
              password: pw

    remote_write:
      - url: https://remote.example.org/api/v1/write
        name: primary
        remote_timeout: 10s
        headers:
          X-Scope-OrgID: tenant-1
        write_relabel_configs:
          - source_labels: [__name__]
            regex: expensive_.*
            action: drop
        queue_config:
          capacity: 2500
          max_shards: 200
          min_shards: 1
          max_samples_per_send: 500
          batch_send_deadline: 5s
          min_backoff: 30ms
          max_backoff: 5s
          retry_on_http_429: true
        metadata_config:
          send: true
          send_interval: 1m
        sigv4:
          region: eu-west-1
      - url: http://backup.internal/write
        protobuf_message: io.prometheus.write.v2.Request

    remote_read:
      - url: http://remote.example.org/api/v1/read
        read_recent: true
        required_matchers:
          job: node

    storage:
      tsdb:
        out_of_order_time_window: 30m
        retention:
          time: 15d
          size: 100GB
      exemplars:
        max_exemplars: 100000

    tracing:
      client_type: grpc
      endpoint: tempo:4317
      sampling_fraction: 0.1
      insecure: true
      timeout: 5s

    otlp:
      promote_resource_attributes: [service.instance.id, deployment.environment]
      translation_strategy: NoUTF8EscapingWithSuffixes
    """

    @Test func realisticFullConfigLoads() throws {
        let c = try parse(Self.full, env: ["SCRAPE_PASSWORD": "s3cret"])
        let g = c.global
        #expect(g.scrapeInterval == 30_000 && g.scrapeTimeout == 20_000 && g.evaluationInterval == 45_000)
        #expect(g.ruleQueryOffset == 10_000)
        #expect(g.queryLogFile == "/var/log/prometheus/query.log")
        #expect(g.scrapeProtocols == [.openMetricsText1_0_0, .prometheusText0_0_4])
        #expect(g.bodySizeLimit == 64 << 20)
        #expect(g.sampleLimit == 50000 && g.targetLimit == 1000 && g.labelLimit == 64)
        #expect(g.labelNameLengthLimit == 128 && g.labelValueLengthLimit == 2048 && g.keepDroppedTargets == 100)
        #expect(g.metricNameEscapingScheme == "underscores")
        #expect(g.alwaysScrapeClassicHistograms && g.extraScrapeMetrics)
        #expect(g.externalLabels == Labels(["cluster": "prod-eu", "replica": "0"]))
        #expect(c.ruleFiles == ["/etc/prometheus/rules/*.yml", "alerts.yaml"])
        #expect(c.scrapeConfigFiles == ["/etc/prometheus/scrape.d/*.yml"])
        #expect(Set(c.otherSections.keys) == ["alerting", "remote_write", "remote_read", "storage", "tracing", "otlp", "runtime"])
        #expect(c.otherSections["storage"]?["tsdb"]?["retention"]?["time"] == .scalar("15d"))

        #expect(c.scrapeConfigs.map(\.jobName) == ["prometheus", "node", "k8s"])
        let p = c.scrapeConfigs[0]
        #expect(p.scrapeInterval == 30_000 && p.scrapeTimeout == 20_000)
        #expect(!p.honorTimestamps && p.trackTimestampsStaleness)
        #expect(p.scrapeProtocols == g.scrapeProtocols)
        #expect(p.sampleLimit == 50000 && p.bodySizeLimit == 64 << 20)
        #expect(p.metricNameEscapingScheme == "underscores")
        #expect(p.scrapeFailureLogFile == "/var/log/prometheus/scrape-failures.log")

        let n = c.scrapeConfigs[1]
        #expect(n.scrapeInterval == 15_000 && n.scrapeTimeout == 5000)
        #expect(n.metricsPath == "/probe" && n.scheme == "https")
        #expect(n.params == ["module": ["http_2xx", "tcp"], "target": ["example.org"]])
        #expect(n.honorLabels && !n.enableCompression)
        #expect(n.sampleLimit == 1000 && n.labelLimit == 64)
        #expect(n.bodySizeLimit == 1 << 30)
        #expect(n.fallbackScrapeProtocol == .prometheusText0_0_4)
        #expect(n.scrapeProtocols == [.prometheusProto, .openMetricsText1_0_0])
        #expect(n.nativeHistogramBucketLimit == 160 && n.nativeHistogramMinBucketFactor == 1.1)
        #expect(n.metricNameValidationScheme == .legacy && n.metricNameEscapingScheme == "underscores")
        #expect(n.basicAuth?.username == "scraper" && n.basicAuth?.password == "s3cret")
        #expect(n.tlsConfig.serverName == "node.internal" && n.tlsConfig.keyFile == "/etc/ssl/client.key")
        #expect(n.proxyURL == "http://proxy.internal:3128" && n.httpClientConfig.noProxy == "localhost,127.0.0.1")
        #expect(!n.followRedirects && !n.enableHTTP2)
        #expect(n.staticConfigs == [
            StaticConfig(targets: ["node-1:9100", "node-2:9100"], labels: Labels(["env": "prod", "team": "infra"])),
            StaticConfig(targets: ["node-3:9100"]),
        ])
        #expect(n.fileSDConfigs == [FileSDConfig(files: ["/etc/prometheus/targets/*.json", "extra.yml"], refreshInterval: 60_000)])
        #expect(n.relabelConfigs.count == 7)
        #expect(n.relabelConfigs[3] == RelabelConfig(sourceLabels: ["__address__"], targetLabel: "__tmp_hash", modulus: 8, action: .hashmod))
        #expect(n.relabelConfigs[6] == RelabelConfig(sourceLabels: ["env", "team"], separator: "/", targetLabel: "owner",
                                                     regex: "(.+)/(.+)", replacement: "$2@$1"))
        #expect(n.metricRelabelConfigs.map(\.action) == [.drop, .lowercase])

        let k = c.scrapeConfigs[2]
        #expect(k.authorization == Authorization(type: "Bearer", credentialsFile: "/var/run/secrets/token"))
        #expect(k.otherSDConfigs["kubernetes_sd_configs"] != nil)
        #expect(k.httpSDConfigs.first?.refreshInterval == 120_000)
        #expect(k.httpSDConfigs.first?.httpClientConfig.basicAuth?.username == "sd")

        #expect(c.warnings.map(\.description) == [
            "prometheus.yml:25: runtime is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:28: rule_files is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:31: scrape_config_files is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:34: alerting is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:133: kubernetes_sd_configs is accepted but not supported by Ember yet; its targets are not discovered",
            "prometheus.yml:144: remote_write is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:171: remote_read is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:177: storage is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:186: tracing is accepted but not supported by Ember yet; it has no effect",
            "prometheus.yml:193: otlp is accepted but not supported by Ember yet; it has no effect",
        ])
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: a
            scrape_interval: 10s
            metrics_path: /m
            static_configs: &targets
              - targets: [a:1]
          - &common
            job_name: b
            scrape_interval: 20s
            static_configs: *targets
          - <<: *common
            job_name: c
        """)
        #expect(c.scrapeConfigs.map(\.jobName) == ["a", "b", "c"])
        #expect(c.scrapeConfigs[1].staticConfigs == [StaticConfig(targets: ["a:1"])])
        #expect(c.scrapeConfigs[2].scrapeInterval == 20_000)
        #expect(c.scrapeConfigs[2].staticConfigs == [StaticConfig(targets: ["a:1"])])
    }
}
