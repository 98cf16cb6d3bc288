import Testing
@testable import Config
import MetricModel

/// Deterministic generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A YAML double-quoted scalar that survives `${}` expansion: `$` is doubled.
func yamlString(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "$": out += "$$"
        default: out.unicodeScalars.append(c)
        }
    }
    return out + "\""
}

@Suite struct RoundTripTests {
    static let alphabet = Array("abcXYZ_019 .-:/$\"\\{}é日")

    static func text(_ rng: inout SplitMix64, min: Int = 0, max: Int = 8) -> String {
        String((0..<Int.random(in: min...max, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func name(_ rng: inout SplitMix64) -> String {
        let first = Array("abcdefXYZ_")
        let rest = Array("abcdefXYZ_0123456789")
        return String(first.randomElement(using: &rng)!)
            + String((0..<Int.random(in: 0...6, using: &rng)).map { _ in rest.randomElement(using: &rng)! })
    }

    static func duration(_ rng: inout SplitMix64, maxSeconds: Int64) -> Int64 {
        // Whole milliseconds in a range that exercises h/m/s/ms units.
        Int64.random(in: 1...maxSeconds, using: &rng) * [1, 1000, 250][Int.random(in: 0...2, using: &rng)] % (maxSeconds * 1000) + 1
    }

    static func relabel(_ rng: inout SplitMix64) -> RelabelConfig {
        let sources = (0..<Int.random(in: 1...3, using: &rng)).map { _ in name(&rng) }
        switch Int.random(in: 0...6, using: &rng) {
        case 0: return RelabelConfig(sourceLabels: sources, separator: text(&rng, max: 2), targetLabel: name(&rng),
                                     regex: "(.*)" + name(&rng), replacement: "$1" + text(&rng))
        case 1: return RelabelConfig(sourceLabels: sources, regex: name(&rng) + ".*", action: .keep)
        case 2: return RelabelConfig(sourceLabels: sources, regex: "[a-z]+|" + name(&rng), action: .drop)
        case 3: return RelabelConfig(sourceLabels: sources, targetLabel: name(&rng),
                                     modulus: UInt64.random(in: 1...1000, using: &rng), action: .hashmod)
        case 4: return RelabelConfig(regex: "__meta_(.+)", replacement: "m_$1", action: .labelmap)
        case 5: return RelabelConfig(regex: name(&rng), action: .labeldrop)
        default: return RelabelConfig(sourceLabels: sources, targetLabel: name(&rng), action: .keepequal)
        }
    }

    static func render(_ r: RelabelConfig, indent: String) -> String {
        var lines = ["- action: \(r.action.rawValue)"]
        if !r.sourceLabels.isEmpty { lines.append("  source_labels: [\(r.sourceLabels.map(yamlString).joined(separator: ", "))]") }
        if r.separator != ";" { lines.append("  separator: \(yamlString(r.separator))") }
        if !r.targetLabel.isEmpty { lines.append("  target_label: \(yamlString(r.targetLabel))") }
        if r.regex != "(.*)" { lines.append("  regex: \(yamlString(r.regex))") }
        if r.modulus != 0 { lines.append("  modulus: \(r.modulus)") }
        if r.replacement != "$1" { lines.append("  replacement: \(yamlString(r.replacement))") }
        return lines.map { indent + $0 }.joined(separator: "\n")
    }

    @Test(arguments: 0..<40)
    func generatedConfigsRoundTripTheirValues(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        var global = GlobalConfig()
        global.scrapeInterval = Self.duration(&rng, maxSeconds: 7200)
        global.scrapeTimeout = Int64.random(in: 1...global.scrapeInterval, using: &rng)
        global.evaluationInterval = Self.duration(&rng, maxSeconds: 600)
        global.sampleLimit = Int.random(in: 0...100_000, using: &rng)
        global.bodySizeLimit = Int.random(in: 0...1024, using: &rng) << 20
        global.externalLabels = Labels((0..<Int.random(in: 0...3, using: &rng)).map { _ in
            Label(Self.name(&rng), Self.text(&rng, min: 1))
        })
        var yaml = """
        global:
          scrape_interval: \(PrometheusDuration.format(global.scrapeInterval))
          scrape_timeout: \(PrometheusDuration.format(global.scrapeTimeout))
          evaluation_interval: \(PrometheusDuration.format(global.evaluationInterval))
          sample_limit: \(global.sampleLimit)
          body_size_limit: \(ByteSize.format(global.bodySizeLimit))
          external_labels:\(global.externalLabels.isEmpty ? " {}" : "")

        """
        for l in global.externalLabels { yaml += "    \(yamlString(l.name)): \(yamlString(l.value))\n" }
        yaml += "scrape_configs:\n"

        var expected: [ScrapeConfig] = []
        for index in 0..<Int.random(in: 0...5, using: &rng) {
            var s = ScrapeConfig(jobName: "job-\(index)-" + Self.text(&rng))
            yaml += "  - job_name: \(yamlString(s.jobName))\n"
            if Bool.random(using: &rng) {
                s.scrapeInterval = Self.duration(&rng, maxSeconds: 3600)
                yaml += "    scrape_interval: \(PrometheusDuration.format(s.scrapeInterval))\n"
            } else {
                s.scrapeInterval = global.scrapeInterval
            }
            if Bool.random(using: &rng) {
                s.scrapeTimeout = Int64.random(in: 1...s.scrapeInterval, using: &rng)
                yaml += "    scrape_timeout: \(PrometheusDuration.format(s.scrapeTimeout))\n"
            } else {
                s.scrapeTimeout = min(global.scrapeTimeout, s.scrapeInterval)
            }
            s.sampleLimit = global.sampleLimit
            s.bodySizeLimit = global.bodySizeLimit
            if Bool.random(using: &rng) {
                s.sampleLimit = Int.random(in: 1...5000, using: &rng)
                yaml += "    sample_limit: \(s.sampleLimit)\n"
            }
            if Bool.random(using: &rng) {
                s.metricsPath = "/" + Self.text(&rng, min: 1)
                yaml += "    metrics_path: \(yamlString(s.metricsPath))\n"
            }
            if Bool.random(using: &rng) {
                s.scheme = "https"
                yaml += "    scheme: https\n"
            }
            s.honorLabels = Bool.random(using: &rng)
            s.honorTimestamps = Bool.random(using: &rng)
            yaml += "    honor_labels: \(s.honorLabels)\n    honor_timestamps: \(s.honorTimestamps)\n"
            if Bool.random(using: &rng) {
                let key = Self.name(&rng)
                s.params = [key: (0..<Int.random(in: 1...3, using: &rng)).map { _ in Self.text(&rng) }]
                yaml += "    params:\n      \(key): [\(s.params[key]!.map(yamlString).joined(separator: ", "))]\n"
            }
            s.relabelConfigs = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Self.relabel(&rng) }
            if !s.relabelConfigs.isEmpty {
                yaml += "    relabel_configs:\n" + s.relabelConfigs.map { Self.render($0, indent: "      ") }.joined(separator: "\n") + "\n"
            }
            s.metricRelabelConfigs = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.relabel(&rng) }
            if !s.metricRelabelConfigs.isEmpty {
                yaml += "    metric_relabel_configs:\n" + s.metricRelabelConfigs.map { Self.render($0, indent: "      ") }.joined(separator: "\n") + "\n"
            }
            s.staticConfigs = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                StaticConfig(targets: (0..<Int.random(in: 0...3, using: &rng)).map { _ in "\(Self.name(&rng)):\(Int.random(in: 1...65535, using: &rng))" },
                             labels: Labels((0..<Int.random(in: 0...3, using: &rng)).map { _ in Label(Self.name(&rng), Self.text(&rng, min: 1)) }))
            }
            if !s.staticConfigs.isEmpty {
                yaml += "    static_configs:\n"
                for sc in s.staticConfigs {
                    yaml += "      - targets: [\(sc.targets.map(yamlString).joined(separator: ", "))]\n"
                    if !sc.labels.isEmpty {
                        yaml += "        labels:\n"
                        for l in sc.labels { yaml += "          \(yamlString(l.name)): \(yamlString(l.value))\n" }
                    }
                }
            }
            expected.append(s)
        }
        let loaded: PrometheusConfig
        do {
            loaded = try PrometheusConfig.parse(yaml, fileName: "gen.yml", environment: [:])
        } catch {
            Issue.record("seed \(seed): \(error)\n\(yaml)")
            return
        }
        #expect(loaded.global == global, "seed \(seed)\n\(yaml)")
        #expect(loaded.scrapeConfigs == expected, "seed \(seed)\n\(yaml)")
        #expect(loaded.sourceText == yaml)
        #expect(loaded.warnings.isEmpty)
    }

    @Test func durationsAndSizesRoundTrip() {
        var rng = SplitMix64(state: 7)
        for _ in 0..<500 {
            let ms = Int64.random(in: 0...(400 * 24 * 3_600_000), using: &rng)
            #expect((try? PrometheusDuration.parse(PrometheusDuration.format(ms))) == ms)
            let bytes = Int.random(in: 0...(1 << 40), using: &rng)
            #expect(ByteSize.parse(ByteSize.format(bytes)) == bytes)
        }
        #expect(ByteSize.parse("1KB") == 1024 && ByteSize.parse("1.5MiB") == 1_572_864 && ByteSize.parse("1GB512MB") == 1_610_612_736)
        #expect(ByteSize.parse("12") == nil && ByteSize.parse("1XB") == nil && ByteSize.parse("") == nil)
    }
}
