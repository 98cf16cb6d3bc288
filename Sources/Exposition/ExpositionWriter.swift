import MetricModel

/// Appends text format 0.0.4 lines to a byte buffer (for `/federate`).
///
/// Contract: `appendSample` writes `name{a="b",c="d"} value timestamp\n` — labels in `Labels` order
/// without `__name__`, the braces left out when there are no other labels; a metric or label name
/// outside the classic charset is written quoted (the metric name first inside the braces, the
/// form Prometheus 3 uses), values with `\\`, `\"`, `\n` escaped. The number is
/// `PrometheusNumber.format` (specials `NaN`, `+Inf`, `-Inf`; a staleness marker is written as
/// `NaN`). `ExpositionParser` in `.prometheusText` reads every line back to the same labels, value
/// and timestamp, provided the timestamp is not negative (the text grammar has no sign there) and
/// the set has a metric name. HELP text escapes `\\` and `\n`; TYPE words are the text format's five, the
/// OpenMetrics-only types written as `untyped`.
public enum ExpositionWriter {
    /// Appends one sample line. `labels` should carry `__name__`.
    public static func appendSample(_ labels: Labels, value: Double, timestamp: Int64? = nil,
                                    to buffer: inout [UInt8]) {
        appendSample(name: labels.metricName ?? "", labels: labels.lazy.filter { $0.name != Labels.metricName },
                     value: value, timestamp: timestamp, to: &buffer)
    }

    /// Appends one sample line with the labels in the order given (empty values written too), as
    /// `/federate` needs for the external labels it appends after a series' own.
    public static func appendSample(name: String, labels: some Sequence<Label>, value: Double, timestamp: Int64? = nil,
                                    to buffer: inout [UInt8]) {
        let legacyName = isValidLegacyMetricName(name)
        if legacyName { buffer.append(contentsOf: name.utf8) }
        var separator = asciiBraceOpen
        if !legacyName {
            buffer.append(separator)
            appendQuoted(name, to: &buffer)
            separator = asciiComma
        }
        for label in labels {
            buffer.append(separator)
            separator = asciiComma
            if isValidLegacyLabelName(label.name) {
                buffer.append(contentsOf: label.name.utf8)
            } else {
                appendQuoted(label.name, to: &buffer)
            }
            buffer.append(asciiEqual)
            appendQuoted(label.value, to: &buffer)
        }
        if separator == asciiComma { buffer.append(asciiBraceClose) }
        buffer.append(asciiSpace)
        buffer.append(contentsOf: PrometheusNumber.format(value).utf8)
        if let timestamp {
            buffer.append(asciiSpace)
            buffer.append(contentsOf: String(timestamp).utf8)
        }
        buffer.append(asciiNewline)
    }

    /// Appends `# HELP name text\n`.
    public static func appendHelp(metricName: String, help: String, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# HELP ".utf8)
        appendFamilyName(metricName, to: &buffer)
        buffer.append(asciiSpace)
        for byte in help.utf8 {
            switch byte {
            case asciiBackslash: buffer += [asciiBackslash, asciiBackslash]
            case asciiNewline: buffer += [asciiBackslash, UInt8(ascii: "n")]
            default: buffer.append(byte)
            }
        }
        buffer.append(asciiNewline)
    }

    /// Appends `# TYPE name word\n`.
    public static func appendType(metricName: String, type: MetricType, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# TYPE ".utf8)
        appendFamilyName(metricName, to: &buffer)
        buffer.append(asciiSpace)
        let word: String
        switch type {
        case .counter, .gauge, .histogram, .summary: word = type.rawValue
        case .gaugehistogram, .info, .stateset, .unknown: word = "untyped"
        }
        buffer.append(contentsOf: word.utf8)
        buffer.append(asciiNewline)
    }

    private static func appendFamilyName(_ name: String, to buffer: inout [UInt8]) {
        if isValidLegacyMetricName(name) { buffer.append(contentsOf: name.utf8) } else { appendQuoted(name, to: &buffer) }
    }

    private static func appendQuoted(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(asciiQuote)
        for byte in text.utf8 {
            switch byte {
            case asciiBackslash: buffer += [asciiBackslash, asciiBackslash]
            case asciiQuote: buffer += [asciiBackslash, asciiQuote]
            case asciiNewline: buffer += [asciiBackslash, UInt8(ascii: "n")]
            default: buffer.append(byte)
            }
        }
        buffer.append(asciiQuote)
    }
}
