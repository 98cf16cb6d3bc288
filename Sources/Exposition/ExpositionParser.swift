import MetricModel

/// A pull parser over one scrape body in the Prometheus text format 0.0.4 or OpenMetrics 1.0.
///
/// Contract:
/// - `next()` advances one entry (sample, HELP, TYPE, UNIT, comment) and returns its kind, `.eof`
///   at the end, or throws `ExpositionError` naming the line. After an error every later `next()`
///   throws the same error.
/// - For `.sample`, `seriesBytes` is the series exactly as written (metric name and label block,
///   without value, timestamp or exemplar): equal bytes always mean an equal label set, so it works
///   as a cache key. `value` is the sample value (`NaN` parses to an ordinary NaN, never to
///   `Double.staleMarker`), `timestamp` milliseconds if one was given.
/// - The sample path does not allocate: the grammar is checked on bytes (including UTF-8 validity
///   of label values) and nothing is decoded until `labels()` is called. `labels()` resolves
///   escapes, adds `__name__`, and throws for a repeated label name, a check that depends only on
///   `seriesBytes` and so may be skipped on a cache hit.
/// - Accessors are only meaningful for the entry kind `next()` last returned.
public struct ExpositionParser: Sendable {
    public let format: ExpositionFormat
    /// OpenMetrics only: skip `<family>_created` samples of counter, histogram and summary
    /// families (what Prometheus does when it ingests created timestamps); off by default.
    public let skipsCreatedSeries: Bool

    let bytes: [UInt8]
    var pos = 0
    var finished = false
    var failure: ExpositionError?
    var current: ExpositionEntry = .eof

    var seriesStart = 0, seriesEnd = 0
    /// Metric name span: the name itself, or the inside of its quotes (escapes unresolved).
    var nameStart = 0, nameEnd = 0
    var nameQuoted = false
    var textStart = 0, textEnd = 0
    var currentValue = 0.0
    var currentTimestamp: Int64?
    var currentType = MetricType.unknown
    /// The family named by the last `# TYPE`, for `skipsCreatedSeries`.
    var familyStart = 0, familyEnd = 0
    var familyType: MetricType?

    public init(bytes: [UInt8], format: ExpositionFormat, skipsCreatedSeries: Bool = false) {
        self.bytes = bytes
        self.format = format
        self.skipsCreatedSeries = skipsCreatedSeries
    }

    /// Advances to the next entry.
    public mutating func next() throws(ExpositionError) -> ExpositionEntry {
        if let failure { throw failure }
        if finished { return .eof }
        let bytes = self.bytes
        let outcome: Result<ExpositionEntry, ParseFailure> = bytes.withUnsafeBufferPointer { b in
            do throws(ParseFailure) {
                if format == .openMetrics { return .success(try nextOpenMetrics(b)) }
                return .success(try nextText(b))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case let .success(entry):
            current = entry
            return entry
        case let .failure(reason):
            let error = ExpositionError(line: lineNumber(at: reason.position), message: reason.message)
            failure = error
            throw error
        }
    }

    /// The raw series text of the current sample: name and label block as written.
    public var seriesBytes: ArraySlice<UInt8> { bytes[seriesStart..<seriesEnd] }

    /// The current sample's value.
    public var value: Double { currentValue }

    /// The current sample's timestamp in milliseconds, if it had one (OpenMetrics seconds converted).
    public var timestamp: Int64? { currentTimestamp }

    /// The current sample's metric name bytes as written (inside the quotes if quoted).
    public var metricNameBytes: ArraySlice<UInt8> { bytes[nameStart..<nameEnd] }

    /// The metric family a HELP, TYPE or UNIT line is about, escapes resolved.
    public var metadataName: String {
        bytes.withUnsafeBufferPointer { b in
            nameQuoted ? unescape(b, nameStart, nameEnd, quotes: true)
                : String(decoding: UnsafeBufferPointer(rebasing: b[nameStart..<nameEnd]), as: UTF8.self)
        }
    }

    /// The text of a HELP line with escapes resolved (`\\` and `\n`; OpenMetrics also `\"`).
    public var helpText: String {
        bytes.withUnsafeBufferPointer { b in unescape(b, textStart, textEnd, quotes: format == .openMetrics) }
    }

    /// The type a TYPE line declared (the text format's `untyped` is `.unknown`).
    public var metricType: MetricType { currentType }

    /// The unit a UNIT line declared (OpenMetrics), possibly empty.
    public var unitText: String { String(decoding: bytes[textStart..<textEnd], as: UTF8.self) }

    /// A comment's text after `#` and the blanks following it (text format only; not UTF-8 checked).
    public var commentText: String { String(decoding: bytes[textStart..<textEnd], as: UTF8.self) }

    /// The current sample's full label set, `__name__` included, escapes resolved, empty values dropped.
    public func labels() throws(ExpositionError) -> Labels {
        precondition(current == .sample, "labels() needs the current entry to be a sample")
        let outcome: Result<Labels, ParseFailure> = bytes.withUnsafeBufferPointer { b in
            do throws(ParseFailure) { return .success(try decodeLabels(b)) } catch { return .failure(error) }
        }
        switch outcome {
        case let .success(labels): return labels
        case let .failure(reason):
            throw ExpositionError(line: lineNumber(at: reason.position), message: reason.message)
        }
    }

    /// 1-based line of a byte offset; only computed on the error path.
    func lineNumber(at position: Int) -> Int {
        var line = 1
        for byte in bytes[0..<min(position, bytes.count)] where byte == asciiNewline { line += 1 }
        return line
    }
}

/// An error found while scanning, before its line number is known.
struct ParseFailure: Error {
    var position: Int
    var message: String
    init(_ position: Int, _ message: String) {
        self.position = position
        self.message = message
    }
}
