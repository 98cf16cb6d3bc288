/// What one query cost, in the terms of Prometheus's `stats` (`util/stats`): where the time went
/// and how many samples it touched.
///
/// Contract: times are seconds. `execTotal` runs from the engine's start on the query (after
/// parsing) to its result; `execQueue` is the wait for a `--query.max-concurrency` slot;
/// `evalTotal` is everything after that wait (preparation, evaluation, sorting);
/// `queryPreparation` is the time spent selecting series from storage (Ember selects lazily,
/// on the first step that needs a selector, so it is measured inside evaluation and taken out of
/// `innerEval`); `resultSort` is the final ordering of a range query's matrix (or an instant
/// range-vector result). `totalQueryableSamples` counts every sample a selector handed to the
/// evaluator, once per step it was used (a range selector's whole window at every step);
/// `samplesRead` counts them as storage reads: the same, except that a range selector evaluated
/// at the outer steps of a range query after the first counts only the points newer than the
/// previous step's window (inside subqueries every window counts whole). `peakSamples` is the
/// most samples held at once: the current step's plus, in a range query, the result so far.
public struct QueryStats: Sendable, Equatable {
    public var evalTotal: Double = 0
    public var resultSort: Double = 0
    public var queryPreparation: Double = 0
    public var innerEval: Double = 0
    public var execQueue: Double = 0
    public var execTotal: Double = 0
    public var totalQueryableSamples: Int64 = 0
    public var samplesRead: Int64 = 0
    public var peakSamples = 0

    public init() {}
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
