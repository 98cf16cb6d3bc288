import Foundation
import Testing
@testable import Config
import MetricModel

@Suite struct ValidationTests {
    @Test func unknownKeysNameTheSectionAndLine() {
        #expect(onlyError("""
        global:
          scrape_interval: 15s
        scrape_configs:
          - job_name: node
            static_configs:
              - targets: [a:1]
            scrape_intervall: 10s
        """) == "prometheus.yml:7: field scrape_intervall not found in scrape_config")
        #expect(onlyError("globall:\n  x: 1\n") == "prometheus.yml:1: field globall not found in config")
        #expect(onlyError("global:\n  scrape_interval: 1m\n  foo: bar\n") == "prometheus.yml:3: field foo not found in global")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            static_configs:
              - targets: [a:1]
                label: {x: y}
        """) == "prometheus.yml:5: field label not found in static_config")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            relabel_configs:
              - target_label: x
                sourcelabels: [a]
        """) == "prometheus.yml:5: field sourcelabels not found in relabel_config")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            tls_config:
              insecure: true
        """) == "prometheus.yml:4: field insecure not found in tls_config")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            foo_sd_configs: []
        """) == "prometheus.yml:3: field foo_sd_configs not found in scrape_config")
        #expect(onlyError("""
        remote_write:
          - url: http://x/api/v1/write
            queue_config:
              max_shard: 3
        """) == "prometheus.yml:4: field max_shard not found in queue_config")
        #expect(onlyError("storage:\n  tsdb:\n    retention_time: 1d\n") == "prometheus.yml:3: field retention_time not found in tsdb")
    }

    @Test func badDurations() {
        #expect(onlyError("global:\n  evaluation_interval: 1m\n  scrape_interval: 1x\n")
                == "prometheus.yml:3: not a valid duration string: \"1x\"")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    scrape_timeout: 5 s\n")
                == "prometheus.yml:3: not a valid duration string: \"5 s\"")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [a.json]\n        refresh_interval: -1m\n")
                == "prometheus.yml:5: not a valid duration string: \"-1m\"")
    }

    @Test func timeoutGreaterThanInterval() {
        #expect(onlyError("""
        scrape_configs:
          - job_name: x
            scrape_interval: 5s
            scrape_timeout: 6s
        """) == "prometheus.yml:4: scrape timeout greater than scrape interval for scrape config with job name \"x\"")
        // The timeout is compared with the inherited global interval too.
        #expect(onlyError("""
        global:
          scrape_interval: 5s
        scrape_configs:
          - job_name: y
            scrape_timeout: 10s
        """) == "prometheus.yml:5: scrape timeout greater than scrape interval for scrape config with job name \"y\"")
        #expect(onlyError("global:\n  scrape_interval: 10s\n  scrape_timeout: 11s\n")
                == "prometheus.yml:3: global scrape timeout greater than scrape interval")
    }

    @Test func jobNames() {
        #expect(onlyError("""
        scrape_configs:
          - job_name: x
          - job_name: y
          - job_name: x
        """) == "prometheus.yml:4: found multiple scrape configs with job name \"x\"")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
          - metrics_path: /m
        """) == "prometheus.yml:3: job_name is empty")
        #expect(onlyError("scrape_configs:\n  - job_name: \"\"\n") == "prometheus.yml:2: job_name is empty")
        #expect(onlyError("scrape_configs:\n  -\n") == "prometheus.yml:2: empty or null scrape config section")
    }

    @Test func labelNames() {
        #expect(onlyError("""
        global:
          metric_name_validation_scheme: legacy
          external_labels:
            region: eu
            foo-bar: x
        """) == "prometheus.yml:5: \"foo-bar\" is not a valid label name")
        // Prometheus 3 validates UTF-8 names by default: only the empty name is invalid.
        #expect(errors("global:\n  external_labels:\n    foo.bar: x\n") == [])
        #expect(onlyError("global:\n  external_labels:\n    \"\": x\n") == "prometheus.yml:3: \"\" is not a valid label name")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            static_configs:
              - targets: [a:1]
                labels:
                  "": x
        """) == "prometheus.yml:6: \"\" is not a valid label name")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            metric_name_validation_scheme: legacy
            metric_relabel_configs:
              - source_labels: [a]
                target_label: not.legacy
        """) == "prometheus.yml:6: \"not.legacy\" is invalid 'target_label' for replace action")
    }

    @Test func badRegexes() {
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            relabel_configs:
              - source_labels: [__name__]
                regex: "foo(bar"
                action: drop
        """) == "prometheus.yml:5: error parsing regexp: \"foo(bar\" is not a valid regular expression")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            metric_relabel_configs:
              - source_labels: [__name__]
                regex: "foo(?=bar)"
                action: keep
        """) == "prometheus.yml:5: error parsing regexp: invalid or unsupported Perl syntax: `(?=`")
        #expect(onlyError("""
        scrape_configs:
          - job_name: a
            metric_relabel_configs:
              - source_labels: [__name__]
                regex: "(a)\\\\1"
                action: keep
        """) == "prometheus.yml:5: error parsing regexp: invalid escape sequence: `\\1`")
        // RE2 syntax that must stay accepted.
        #expect(errors("""
        scrape_configs:
          - job_name: a
            metric_relabel_configs:
              - source_labels: [__name__]
                regex: '(?i)go_(?P<kind>gc|memstats)_.*|[[:alpha:]]+\\d|\\pL+'
                action: keep
        """) == [])
    }

    @Test func relabelActionRules() {
        func rule(_ body: String) -> String {
            onlyError("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - " + body
                .split(separator: "\n").joined(separator: "\n        ") + "\n")
        }
        #expect(rule("action: explode") == "prometheus.yml:4: unknown relabel action \"explode\"")
        #expect(rule("action: hashmod\ntarget_label: t") == "prometheus.yml:4: relabel configuration for hashmod requires non-zero modulus")
        #expect(rule("source_labels: [a]\naction: replace") == "prometheus.yml:5: relabel configuration for replace action requires 'target_label' value")
        #expect(rule("action: lowercase\nsource_labels: [a]") == "prometheus.yml:4: relabel configuration for lowercase action requires 'target_label' value")
        #expect(rule("action: uppercase\ntarget_label: b\nreplacement: x") == "prometheus.yml:6: 'replacement' can not be set for uppercase action")
        #expect(rule("action: keepequal\ntarget_label: b\nregex: x") == "prometheus.yml:4: keepequal action requires only 'source_labels' and `target_label`, and no other fields")
        #expect(rule("action: dropequal\ntarget_label: b\nseparator: ','") == "prometheus.yml:4: dropequal action requires only 'source_labels' and `target_label`, and no other fields")
        #expect(rule("action: labeldrop\nregex: x\nsource_labels: [a]") == "prometheus.yml:4: labeldrop action requires only 'regex', and no other fields")
        #expect(rule("action: labelkeep\ntarget_label: a") == "prometheus.yml:4: labelkeep action requires only 'regex', and no other fields")
        #expect(rule("action: labelmap\nreplacement: \"\"") == "prometheus.yml:5: \"\" is invalid 'replacement' for labelmap action")
        #expect(rule("source_labels: a\ntarget_label: b") == "prometheus.yml:4: source_labels must be a list, got \"a\"")
        #expect(rule("modulus: -1\naction: hashmod\ntarget_label: t") == "prometheus.yml:4: modulus must be a non-negative integer, got \"-1\"")
        // Valid rules of every action.
        #expect(errors("""
        scrape_configs:
          - job_name: a
            metric_name_validation_scheme: legacy
            relabel_configs:
              - {source_labels: [a], target_label: "${1}_x", regex: "(.*)"}
              - {source_labels: [a], target_label: "$1", action: replace}
              - {source_labels: [a], action: keep}
              - {source_labels: [a], action: drop, regex: x}
              - {source_labels: [a], action: keepequal, target_label: b}
              - {source_labels: [a], action: dropequal, target_label: b}
              - {source_labels: [a], action: hashmod, modulus: 3, target_label: h}
              - {action: labelmap, regex: "__meta_(.+)", replacement: "k_$1"}
              - {action: labeldrop, regex: tmp}
              - {action: labelkeep, regex: ".*"}
              - {source_labels: [a], action: lowercase, target_label: b}
              - {source_labels: [a], action: Uppercase, target_label: b}
        """) == [])
        #expect(rule("action: replace\ntarget_label: \"1abc\"") == "<0 errors: []>") // utf8 default accepts
    }

    @Test func wrongTypes() {
        #expect(onlyError("global:\n  sample_limit: many\n") == "prometheus.yml:2: sample_limit must be a non-negative integer, got \"many\"")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n") == "prometheus.yml:3: honor_labels must be a boolean, got \"maybe\"")
        #expect(onlyError("scrape_configs:\n  job_name: a\n") == "prometheus.yml:2: scrape_configs must be a list, got a mapping")
        #expect(onlyError("scrape_configs:\n  - job_name: [a]\n") == "prometheus.yml:2: job_name must be a string, got a list")
        #expect(onlyError("global: 5\n") == "prometheus.yml:1: global must be a mapping, got \"5\"")
        #expect(onlyError("- a\n") == "prometheus.yml:1: config must be a mapping, got a list")
        #expect(onlyError("global:\n  body_size_limit: 10\n") == "prometheus.yml:2: not a valid size string: \"10\" (use a unit: B, KB, MB, GB, TB, PB, EB or KiB, MiB, ...)")
    }

    @Test func otherPrometheusRules() {
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [\"http://a:1/metrics\"]\n")
                == "prometheus.yml:4: \"http://a:1/metrics\" is not a valid hostname")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    scrape_protocols: [PrometheusText0.0.4, Bogus]\n")
                == "prometheus.yml:3: scrape_protocols: unknown scrape protocol Bogus, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for scrape config with job name \"a\"")
        #expect(onlyError("global:\n  scrape_protocols: []\n") == "prometheus.yml:2: scrape_protocols cannot be empty for global config")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n    bearer_token: t\n")
                == "prometheus.yml:2: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    authorization:\n      type: Basic\n")
                == "prometheus.yml:4: authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    tls_config:\n      cert_file: c.pem\n")
                == "prometheus.yml:4: exactly one of key or key_file must be configured when a client certificate is configured")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [targets.txt]\n")
                == "prometheus.yml:4: path name \"targets.txt\" is not valid for file discovery")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    dns_sd_configs:\n      - names: [x]\n        type: A\n")
                == "prometheus.yml:4: a port is required in DNS-SD configs for all record types except SRV")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    http_sd_configs:\n      - url: ftp://x/y\n")
                == "prometheus.yml:4: URL scheme must be 'http' or 'https'")
        #expect(onlyError("rule_files:\n  - 'rules/*/*.yml'\n") == "prometheus.yml:2: invalid rule file path \"rules/*/*.yml\"")
        #expect(onlyError("remote_write:\n  - name: a\n") == "prometheus.yml:2: url for remote_write is empty")
        #expect(onlyError("remote_write:\n  - url: http://a/w\n    headers:\n      User-Agent: me\n")
                == "prometheus.yml:4: User-Agent is a reserved header. It must not be changed")
        #expect(onlyError("tracing:\n  client_type: grpc\n") == "prometheus.yml:2: tracing endpoint must be set")
        #expect(onlyError("alerting:\n  alertmanagers:\n    - api_version: v1\n")
                == "prometheus.yml:3: expected Alertmanager api version to be one of [v2] but got v1")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    metric_name_validation_scheme: legacy\n    metric_name_escaping_scheme: allow-utf-8\n")
                == "prometheus.yml:4: utf8 metric names requested but validation scheme is not set to UTF8")
    }

    @Test func nullSectionsAndSchemes() {
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    static_configs:\n      -\n")
                == "prometheus.yml:4: empty or null section in static_configs")
        #expect(onlyError("global:\n  metric_name_validation_scheme: strict\n")
                == "prometheus.yml:2: unrecognized ValidationScheme: \"strict\"")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    metric_name_validation_scheme: Legacy\n")
                == "prometheus.yml:3: unrecognized ValidationScheme: \"Legacy\"")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    metric_relabel_configs:\n      -\n")
                == "prometheus.yml:4: empty or null metric relabeling rule in scrape config")
        #expect(onlyError("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: null\n")
                == "prometheus.yml:4: relabel action cannot be empty")
        #expect(onlyError("remote_write:\n  - url: http://a/w\n    write_relabel_configs:\n      - ~\n")
                == "prometheus.yml:4: empty or null relabeling rule in remote write config")
    }

    @Test func yamlSyntaxErrorsHaveLines() {
        let e = errors("global:\n  scrape_interval: 1m\n scrape_timeout: [\n")
        #expect(e.count == 1)
        #expect(e.first?.hasPrefix("prometheus.yml:3: yaml: ") == true)
        #expect(onlyError("global:\n  scrape_interval: 1m\n  scrape_interval: 2m\n")
                .hasPrefix("prometheus.yml:"))
        #expect(onlyError("global:\n  scrape_interval: 1m\n  scrape_interval: 2m\n").contains("\"scrape_interval\" already defined"))
    }

    @Test func allErrorsAreCollectedInFileOrder() throws {
        let text = """
        global:
          scrape_interval: 1x
          bogus: 1
        scrape_configs:
          - job_name: a
            scrape_interval: 5s
            scrape_timeout: 6s
          - job_name: a
            relabel_configs:
              - action: nope
          - static_configs: []
        """
        do {
            _ = try parse(text)
            Issue.record("expected errors")
        } catch {
            #expect(error.errors.map(\.description) == [
                "prometheus.yml:2: not a valid duration string: \"1x\"",
                "prometheus.yml:3: field bogus not found in global",
                "prometheus.yml:7: scrape timeout greater than scrape interval for scrape config with job name \"a\"",
                "prometheus.yml:8: found multiple scrape configs with job name \"a\"",
                "prometheus.yml:10: unknown relabel action \"nope\"",
                "prometheus.yml:11: job_name is empty",
            ])
            #expect(error.errors[0].column == 20)
            #expect(error.description.split(separator: "\n").count == 6)
        }
    }

    @Test func loadReadsFilesAndReportsUnreadable() throws {
        let path = "/tmp/ember-config-test-\(UInt32.random(in: 0...UInt32.max)).yml"
        try "scrape_configs:\n  - job_name: f\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try PrometheusConfig.load(file: path, environment: [:])
        #expect(c.scrapeConfigs.map(\.jobName) == ["f"])
        try "scrape_configs:\n  - job_name: f\n    scrape_interval: 1x\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigErrors.self) { try PrometheusConfig.load(file: path, environment: [:]) }
        do { _ = try PrometheusConfig.load(file: path, environment: [:]) } catch {
            #expect(error.description == "\(path):3: not a valid duration string: \"1x\"")
        }
        do {
            _ = try PrometheusConfig.load(file: "/nonexistent/prometheus.yml", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors[0].description.hasPrefix("/nonexistent/prometheus.yml: cannot read file"))
        }
    }

    @Test func diagnosticsDescribeThemselves() {
        let d = ConfigDiagnostic(file: "prometheus.yml", line: 3, column: 5, message: "boom")
        #expect(d.description == "prometheus.yml:3: boom")
        #expect(ConfigDiagnostic(file: "p.yml", line: 0, message: "gone").description == "p.yml: gone")
        #expect(ConfigErrors(errors: [d, d]).description == "prometheus.yml:3: boom\nprometheus.yml:3: boom")
    }

    @Test func loadedRegexesCompileInSwift() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: a
            metric_relabel_configs:
              - {source_labels: [x], regex: '\\pL+\\PN*\\p{Greek}', action: keep}
        """)
        let rule = c.scrapeConfigs[0].metricRelabelConfigs[0]
        #expect(rule.regex == "\\pL+\\PN*\\p{Greek}")
        let regex = try Regex(rule.anchoredRegex)
        #expect("abcα".wholeMatch(of: regex) != nil)
        #expect("abc".wholeMatch(of: regex) == nil)
        #expect("abc\nd".wholeMatch(of: try Regex(RelabelConfig().anchoredRegex)) != nil) // (?s): . matches newline
    }

    @Test func re2ClassesKeepTheirMeaningInSwift() throws {
        let cases: [(String, [String], [String])] = [
            ("[]a]+", ["]a]"], ["b"]),
            ("[^]a]", ["b"], ["]", "a"]),
            ("[a[]", ["[", "a"], ["b"]),
            ("[a&&b]+", ["a&b"], ["c"]),
            ("[[:digit:]x]+", ["1x2"], ["y"]),
            ("[\\pL\\d]+", ["a1"], ["-"]),
            ("a~b", ["a~b"], ["ab"]),
        ]
        for (pattern, matching, failing) in cases {
            #expect(regexProblem(pattern) == nil, "\(pattern)")
            let regex = try Regex(RelabelConfig(regex: pattern).anchoredRegex)
            for m in matching { #expect(m.wholeMatch(of: regex) != nil, "\(pattern) should match \(m)") }
            for f in failing { #expect(f.wholeMatch(of: regex) == nil, "\(pattern) should not match \(f)") }
        }
    }

    @Test func unsupportedSectionsAndMechanismsWarnWithTheirLine() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: a
            consul_sd_configs:
              - server: localhost:8500
        remote_read:
          - url: http://r/read
        """)
        #expect(c.warnings.map(\.description) == [
            "prometheus.yml:3: consul_sd_configs is accepted but not supported by Ember yet; its targets are not discovered",
            "prometheus.yml:5: remote_read is accepted but not supported by Ember yet; it has no effect",
        ])
        #expect(c.scrapeConfigs[0].otherSDConfigs["consul_sd_configs"] == .sequence([.mapping([(key: "server", value: .scalar("localhost:8500"))])]))
    }
}
