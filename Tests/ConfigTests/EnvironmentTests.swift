import Testing
@testable import Config
import MetricModel

@Suite struct EnvironmentTests {
    @Test func setVariablesExpandAnywhere() throws {
        let c = try parse("""
        global:
          scrape_interval: ${INTERVAL}
          external_labels:
            region: ${REGION}
        scrape_configs:
          - job_name: ${JOB}-job
            static_configs:
              - targets: ["${HOST}:${PORT}"]
        """, env: ["INTERVAL": "15s", "REGION": "eu-west", "JOB": "api", "HOST": "10.0.0.1", "PORT": "9100"])
        #expect(c.global.scrapeInterval == 15_000)
        #expect(c.global.externalLabels["region"] == "eu-west")
        #expect(c.scrapeConfigs[0].jobName == "api-job")
        #expect(c.scrapeConfigs[0].staticConfigs[0].targets == ["10.0.0.1:9100"])
        #expect(c.sourceText.contains("${INTERVAL}")) // source text is kept as loaded
    }

    @Test func unsetVariableIsAnErrorWithItsLine() {
        #expect(onlyError("""
        global:
          scrape_interval: 15s
        scrape_configs:
          - job_name: ${FOO}
        """) == "prometheus.yml:4: environment variable \"FOO\" is not set (use ${FOO:-default} for a default)")
        #expect(errors("a: ${A}\nb: ${B}\n").count == 2)
    }

    @Test func defaults() throws {
        let yaml = "scrape_configs:\n  - job_name: ${JOB:-fallback}\n    metrics_path: ${PATH_X:-/m}\n    scheme: ${S:-}http\n"
        let unset = try parse(yaml)
        #expect(unset.scrapeConfigs[0].jobName == "fallback")
        #expect(unset.scrapeConfigs[0].metricsPath == "/m")
        #expect(unset.scrapeConfigs[0].scheme == "http")
        let set = try parse(yaml, env: ["JOB": "real", "PATH_X": "/x"])
        #expect(set.scrapeConfigs[0].jobName == "real")
        #expect(set.scrapeConfigs[0].metricsPath == "/x")
        // An empty value takes the default, as in the shell's `:-`.
        #expect(try parse(yaml, env: ["JOB": ""]).scrapeConfigs[0].jobName == "fallback")
        // Without a default an empty value stays empty.
        #expect(onlyError("scrape_configs:\n  - job_name: a${E}\n    metrics_path: /p${E}\n", env: ["E": ""]) == "<0 errors: []>")
    }

    @Test func dollarDollarIsALiteralDollar() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: a
            relabel_configs:
              - source_labels: [x]
                target_label: y
                replacement: "$${name}-$$HOME-$$1"
        """)
        #expect(c.scrapeConfigs[0].relabelConfigs[0].replacement == "${name}-$HOME-$1")
    }

    @Test func regexGroupReferencesAreLeftAlone() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: a
            relabel_configs:
              - source_labels: [__address__]
                regex: "(.+):(\\\\d+)"
                target_label: host
                replacement: ${1}
              - source_labels: [__address__]
                target_label: both
                replacement: "$1/${2}/$name/${1:-x}"
              - action: labelmap
                regex: __meta_kubernetes_(.+)
                replacement: k8s_${1}
        """)
        let r = c.scrapeConfigs[0].relabelConfigs
        #expect(r[0].replacement == "${1}")
        #expect(r[1].replacement == "$1/${2}/$name/${1:-x}")
        #expect(r[2].replacement == "k8s_${1}")
    }

    @Test func commentLinesAreNotExpanded() throws {
        let c = try parse("""
        # Uses ${UNSET_IN_COMMENT} and $$ literally
        global:
            # ${ALSO_UNSET}
          scrape_interval: 30s # trailing comment: ${TRAILING:-ok}
        """)
        #expect(c.global.scrapeInterval == 30_000)
    }

    @Test func lineNumbersReferToTheOriginalFileEvenWithMultiLineValues() {
        let env = ["MULTI": "a\nb\nc"]
        #expect(onlyError("""
        global:
          external_labels:
            note: "${MULTI}"
          scrape_interval: 2x
        """, env: env) == "prometheus.yml:4: not a valid duration string: \"2x\"")
    }

    @Test func notVariablesAreLeftAsWritten() throws {
        let c = try parse("""
        scrape_configs:
          - job_name: "a${b-c}${}${"
        """)
        #expect(c.scrapeConfigs[0].jobName == "a${b-c}${}${")
    }

    @Test func externalLabelsExpandBareVariablesLikePrometheus() throws {
        let c = try parse("global:\n  external_labels:\n    host: $HOSTNAME\n    zone: ${ZONE}\n    other: pre-$NOPE\n",
                          env: ["HOSTNAME": "box1", "ZONE": "z"])
        #expect(c.global.externalLabels == Labels(["host": "box1", "zone": "z", "other": "pre-"]))
        #expect(c.warnings.map(\.description) == ["prometheus.yml:5: empty environment variable \"NOPE\" in external label value"])
    }

    @Test func dollarDollarStaysLiteralInExternalLabels() throws {
        let c = try parse("global:\n  external_labels:\n    a: $$HOST\n    b: \"x$$${HOST}\"\n    c: ${HOST}-$HOST\n",
                          env: ["HOST": "h1"])
        #expect(c.global.externalLabels == Labels(["a": "$HOST", "b": "x$h1", "c": "h1-h1"]))
        #expect(c.warnings.isEmpty)
    }

    @Test func columnsSurviveDollarDollar() {
        let e = (try? parse("global:\n  external_labels: {a: \"$$\"}\n  scrape_interval: 1x\n")) == nil
        #expect(e)
        do {
            _ = try parse("scrape_configs:\n  - {job_name: \"$$$$\", scrape_interval: 1x}\n")
        } catch {
            #expect(error.errors.map(\.column) == [41])
        }
    }
}
