/// Which text exposition grammar a scrape body is written in.
///
/// Contract: `init(contentType:)` chooses the parser the way Prometheus does from the media type of
/// a `Content-Type` header, case-insensitively and ignoring parameters: `application/openmetrics-text`
/// (any version) is OpenMetrics; everything else — `text/plain`, a missing or unparseable header, or a
/// type this parser does not read (protobuf: see `ProtobufExposition`) — is the Prometheus text format 0.0.4 (Prometheus 3 would
/// refuse a missing or unknown type unless `fallback_scrape_protocol` is set; Ember falls back).
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4 (and its 1.0.0 variant with quoted UTF-8 names).
    case prometheusText
    /// OpenMetrics 1.0 text (`application/openmetrics-text`), `# EOF` terminated.
    case openMetrics

    public init(contentType: String?) {
        guard let contentType else { self = .prometheusText; return }
        var media: [UInt8] = []
        for byte in contentType.utf8 {
            if byte == UInt8(ascii: ";") { break }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { continue }
            media.append(byte >= 65 && byte <= 90 ? byte + 32 : byte)
        }
        self = media.elementsEqual("application/openmetrics-text".utf8) ? .openMetrics : .prometheusText
    }

    /// Prometheus 3's default scrape `Accept` header: OpenMetrics 1.0.0 first, then OpenMetrics 0.0.1,
    /// the text format 1.0.0 and 0.0.4, then anything. Both text grammars parse here, including the
    /// quoted UTF-8 names that `escaping=allow-utf-8` permits.
    public static let acceptHeader =
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
        + "application/openmetrics-text;version=0.0.1;q=0.4,"
        + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
        + "text/plain;version=0.0.4;q=0.2,"
        + "*/*;q=0.1"
}

/// What `ExpositionParser.next()` found.
///
/// Contract: after `.sample` the sample accessors are valid; after `.help`, `.type` or `.unit`
/// `metadataName` and `helpText` / `metricType` / `unitText`; after `.comment` `commentText`.
/// `.eof` is returned once the input is exhausted (text) or `# EOF` was read (OpenMetrics), and
/// again on every later call.
public enum ExpositionEntry: Sendable, Equatable {
    case sample, help, type, unit, comment, eof
}

/// A malformed exposition: the 1-based line the problem was found on and why.
///
/// Contract: `description` is `line N: reason`, reasons worded after Prometheus's textparse
/// (`expected label name, got "=\"x\""`); `got` shows the offending input Go-`%q`-style, so control
/// characters and invalid UTF-8 appear escaped.
public struct ExpositionError: Error, Equatable, CustomStringConvertible, Sendable {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
