import Testing
@testable import Config
import MetricModel

@Suite struct DefaultsTests {
    @Test func emptyFileHasPrometheusDefaults() throws {
        for text in ["", "\n", "# only a comment\n", "global:\n", "global: {}\n"] {
            let c = try parse(text)
            #expect(c.global == GlobalConfig())
            #expect(c.global.scrapeInterval == 60_000)
            #expect(c.global.scrapeTimeout == 10_000)
            #expect(c.global.evaluationInterval == 60_000)
            #expect(c.global.ruleQueryOffset == 0)
            #expect(c.global.externalLabels.isEmpty)
            #expect(c.global.scrapeProtocols == nil)
            #expect(c.global.metricNameValidationScheme == .utf8)
            #expect(c.scrapeConfigs.isEmpty)
            #expect(c.warnings.isEmpty)
            #expect(c.sourceText == text)
        }
    }

    @Test func scrapeConfigDefaults() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: node
            static_configs:
              - targets: ["localhost:9100"]
        """)
        let s = try #require(c.scrapeConfigs.first)
        #expect(s.jobName == "node")
        #expect(s.scrapeInterval == 60_000)
        #expect(s.scrapeTimeout == 10_000)
        #expect(s.metricsPath == "/metrics")
        #expect(s.scheme == "http")
        #expect(s.params.isEmpty)
        #expect(s.honorLabels == false)
        #expect(s.honorTimestamps == true)
        #expect(s.enableCompression == true)
        #expect(s.followRedirects == true)
        #expect(s.enableHTTP2 == true)
        #expect(s.scrapeProtocols == ScrapeProtocol.defaults)
        #expect(s.fallbackScrapeProtocol == nil)
        #expect(s.sampleLimit == 0 && s.labelLimit == 0 && s.targetLimit == 0 && s.bodySizeLimit == 0)
        #expect(s.metricNameValidationScheme == .utf8)
        #expect(s.metricNameEscapingScheme == "allow-utf-8")
        #expect(s.relabelConfigs.isEmpty && s.metricRelabelConfigs.isEmpty)
        #expect(s.staticConfigs == [StaticConfig(targets: ["localhost:9100"])])
        #expect(s.basicAuth == nil && s.authorization == nil && s.tlsConfig == TLSConfig())
    }

    @Test func timeoutsResolveAgainstGlobalAsPrometheusDoes() throws {
        let c = try parse("""
        global:
          scrape_interval: 5s
          sample_limit: 100
          body_size_limit: 10MB
        scrape_configs:
          - job_name: a
          - job_name: b
            scrape_interval: 30s
          - job_name: c
            scrape_interval: 2s
            sample_limit: 7
          - job_name: d
            scrape_timeout: 3s
        """)
        #expect(c.global.scrapeInterval == 5000)
        #expect(c.global.scrapeTimeout == 5000) // min(10s, 5s)
        let byName = Dictionary(uniqueKeysWithValues: c.scrapeConfigs.map { ($0.jobName, $0) })
        #expect(byName["a"]?.scrapeInterval == 5000)
        #expect(byName["a"]?.scrapeTimeout == 5000)
        #expect(byName["a"]?.sampleLimit == 100)
        #expect(byName["a"]?.bodySizeLimit == 10_485_760)
        #expect(byName["b"]?.scrapeTimeout == 5000)
        #expect(byName["c"]?.scrapeTimeout == 2000) // min(global timeout, own interval)
        #expect(byName["c"]?.sampleLimit == 7)
        #expect(byName["d"]?.scrapeInterval == 5000)
        #expect(byName["d"]?.scrapeTimeout == 3000)
    }

    @Test func relabelDefaults() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: a
            relabel_configs:
              - target_label: env
                replacement: prod
              - action: LabelDrop
                regex: tmp_.*
              - source_labels: [__address__]
                modulus: 4
                target_label: __tmp_hash
                action: hashmod
        """)
        let r = c.scrapeConfigs[0].relabelConfigs
        #expect(r.count == 3)
        #expect(r[0] == RelabelConfig(targetLabel: "env", replacement: "prod"))
        #expect(r[0].separator == ";" && r[0].regex == "(.*)" && r[0].action == .replace)
        #expect(r[0].anchoredRegex == "^(?s:(.*))$")
        #expect(r[1].action == .labeldrop && r[1].regex == "tmp_.*")
        #expect(r[2] == RelabelConfig(sourceLabels: ["__address__"], targetLabel: "__tmp_hash", modulus: 4, action: .hashmod))
    }

    @Test func nativeHistogramsSelectProtoFirstProtocols() throws {
        let c = try parse("""
        global:
          scrape_native_histograms: true
        scrape_configs:
          - job_name: a
          - job_name: b
            scrape_native_histograms: false
          - job_name: c
            scrape_protocols: [PrometheusText0.0.4]
        """)
        #expect(c.scrapeConfigs[0].scrapeProtocols == ScrapeProtocol.protoFirst)
        #expect(c.scrapeConfigs[1].scrapeProtocols == ScrapeProtocol.defaults)
        #expect(c.scrapeConfigs[2].scrapeProtocols == [.prometheusText0_0_4])
    }

    @Test func sdDefaultsAndHTTPClient() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: sd
            bearer_token_file: /run/token
            tls_config:
              ca_file: /etc/ca.pem
              insecure_skip_verify: true
              min_version: TLS12
            file_sd_configs:
              - files: [targets/*.json]
            dns_sd_configs:
              - names: [_prometheus._tcp.example.org]
              - names: [example.org]
                type: a
                port: 9100
            http_sd_configs:
              - url: https://sd.example.org/targets
        """)
        let s = c.scrapeConfigs[0]
        #expect(s.fileSDConfigs == [FileSDConfig(files: ["targets/*.json"], refreshInterval: 300_000)])
        #expect(s.dnsSDConfigs == [DNSSDConfig(names: ["_prometheus._tcp.example.org"]),
                                   DNSSDConfig(names: ["example.org"], type: "A", port: 9100)])
        #expect(s.dnsSDConfigs[0].refreshInterval == 30_000)
        #expect(s.httpSDConfigs.map(\.url) == ["https://sd.example.org/targets"])
        #expect(s.httpSDConfigs[0].refreshInterval == 60_000)
        #expect(s.bearerTokenFile == "/run/token")
        #expect(s.httpClientConfig.effectiveAuthorization == Authorization(type: "Bearer", credentialsFile: "/run/token"))
        #expect(s.tlsConfig.caFile == "/etc/ca.pem" && s.tlsConfig.insecureSkipVerify && s.tlsConfig.minVersion == "TLS12")
    }
}
