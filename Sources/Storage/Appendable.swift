import MetricModel

/// An opaque handle to a series inside one storage, returned by `Appender.append` so that callers
/// (the scrape cache) can append the same series again without hashing or looking up its labels.
/// Zero means "unknown". `Appender.append` with empty labels appends by reference alone and
/// throws `AppendError.unknownReference` when the series is gone (garbage-collected); the caller
/// then appends again with the labels.
public typealias SeriesRef = UInt64

/// Why a sample was not accepted.
public enum AppendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Older than the newest sample of its series (Prometheus: "out of order sample").
    case outOfOrder
    /// Same timestamp as the newest sample, different value (Prometheus: "duplicate sample for timestamp").
    case duplicateSampleForTimestamp
    /// Too old for the head's appendable window (Prometheus: "out of bounds").
    case outOfBounds
    /// The label set cannot be stored (empty, or without a metric name).
    case invalidLabels(String)
    /// The storage refused the write (disk full, closed, ...).
    case storage(String)
    /// Appended by reference alone (empty labels), and the storage has no series by that reference.
    case unknownReference

    public var description: String {
        switch self {
        case .outOfOrder: return "out of order sample"
        case .duplicateSampleForTimestamp: return "duplicate sample for timestamp"
        case .outOfBounds: return "out of bounds"
        case let .invalidLabels(why): return "invalid labels: \(why)"
        case let .storage(why): return why
        case .unknownReference: return "unknown series reference"
        }
    }
}

/// Something samples can be written to. The scraper sees only this.
///
/// Contract: `appender()` is cheap; each appender is used by one task at a time and its samples
/// become visible to queries together at `commit()`, or not at all after `rollback()`.
public protocol Appendable: Sendable {
    func appender() -> any Appender
}

/// A batch of samples being written.
///
/// Contract: `append` validates the sample against what is committed (out-of-order, duplicate) and
/// against earlier samples of the same batch, throws `AppendError` for a rejected sample (the batch
/// stays usable), and returns the series' reference (0 when the storage has none yet). A nonzero
/// `ref` is a hint: it names the series if the storage still knows it and the labels are empty
/// or that series' own; otherwise the labels do, and with empty labels the storage throws
/// `.unknownReference`. `commit` makes every accepted sample of the
/// batch visible at once; `rollback` drops them. After either, the appender must not be used again.
public protocol Appender: AnyObject {
    @discardableResult
    func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Timestamp, _ value: Double) throws(AppendError) -> SeriesRef
    func commit() throws(AppendError)
    func rollback()
}
