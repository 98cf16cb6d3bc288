import Exposition
import MetricModel
import Storage

/// Turns one scrape's body into appended samples for one target, through the target's scrape cache.
///
/// Contract: the body is parsed and every sample appended in one batch. New series get the
/// target's labels (see `mergeTargetLabels`) and then `metric_relabel_configs`; the result —
/// "dropped" or the storage's reference — is cached by the series' raw bytes, so a cache hit
/// appends by reference: no label work, no allocation. When the storage no longer knows a
/// reference (it garbage-collected the series), the labels are built again from the line. Rejected samples (out of order, duplicate timestamp, a series repeated within
/// the body) are counted, not fatal, as in Prometheus. A malformed body (`line N: ...`), a series
/// over a label limit, or more samples than `sample_limit` fail the whole scrape: nothing of it is
/// committed and every series of the previous scrape gets a staleness marker, as after a failed
/// fetch. On success, series of the previous scrape missing from this one get a staleness marker.
///
/// A `PrometheusProto` body (`application/vnd.google.protobuf`) is read through
/// `ProtobufExposition`'s text translation (its units recorded as metadata).
///
/// `# HELP`, `# TYPE` and `# UNIT` lines update `metadata` (per family, as Prometheus's scrape
/// cache does: even in a scrape that later fails); a family not declared for more than
/// `metadataMaxAge` successful scrapes is forgotten. `metadataVersion` changes whenever
/// `metadata` does, so a caller can publish it only then.
struct ScrapeAppender {
    struct Outcome: Equatable {
        /// Samples in the body.
        var samplesScraped = 0
        /// Samples left after metric relabeling (Prometheus's `scrape_samples_post_metric_relabeling`).
        var samplesPostRelabeling = 0
        var seriesAdded = 0
        var outOfOrder = 0
        var duplicates = 0
        var failure: ScrapeError?
    }

    let target: ScrapeTarget
    let metricRelabeler: Relabeler
    let trackTimestampsStaleness: Bool
    var cache = ScrapeCache()
    /// Family name → what the target last declared about it, and the iteration that last declared it.
    private(set) var metadata: [String: (metadata: MetricMetadata, lastSeen: Int)] = [:]
    private(set) var metadataVersion = 0
    /// Prometheus keeps a family's metadata for 10 scrapes after it disappeared.
    static let metadataMaxAge = 10

    init(target: ScrapeTarget, metricRelabeler: Relabeler? = nil, trackTimestampsStaleness: Bool = false) {
        self.target = target
        self.metricRelabeler = metricRelabeler ?? (try! Relabeler([]))
        self.trackTimestampsStaleness = trackTimestampsStaleness
    }

    /// Parses and appends `body`; a failure is in `Outcome.failure` (and nothing was committed).
    mutating func append(body: [UInt8], contentType: String?, timestamp: Timestamp,
                         to storage: any Appendable) -> Outcome {
        cache.beginIteration()
        let appender = storage.appender()
        var outcome = Outcome()
        do throws(ScrapeError) {
            try appendSamples(body, contentType, timestamp, appender, &outcome)
        } catch {
            appender.rollback()
            // This iteration now counts as an empty scrape: everything of the previous one is stale.
            cache.undoIteration()
            outcome.failure = error
            let markers = storage.appender()
            appendStaleMarkers(markers, timestamp: timestamp)
            try? markers.commit()
            return outcome
        }
        appendStaleMarkers(appender, timestamp: timestamp)
        do { try appender.commit() } catch {
            cache.undoIteration()
            outcome.failure = .transport("append failed: \(error)")
            return outcome
        }
        cache.evictOld()
        evictOldMetadata()
        return outcome
    }

    /// The families' metadata without bookkeeping.
    var families: [String: MetricMetadata] { metadata.mapValues(\.metadata) }

    private mutating func noteMetadata(_ name: String, _ update: (inout MetricMetadata) -> Void) {
        var entry = metadata[name] ?? (MetricMetadata(), cache.iteration)
        let before = entry.metadata
        update(&entry.metadata)
        entry.lastSeen = cache.iteration
        if metadata[name] == nil || entry.metadata != before { metadataVersion &+= 1 }
        metadata[name] = entry
    }

    private mutating func evictOldMetadata() {
        let oldest = cache.iteration - Self.metadataMaxAge
        guard metadata.values.contains(where: { $0.lastSeen < oldest }) else { return }
        metadata = metadata.filter { $0.value.lastSeen >= oldest }
        metadataVersion &+= 1
    }

    private mutating func appendSamples(_ body: [UInt8], _ contentType: String?, _ timestamp: Timestamp,
                                        _ appender: any Appender, _ outcome: inout Outcome) throws(ScrapeError) {
        var parser: ExpositionParser
        if ProtobufExposition.isProtobuf(contentType: contentType) {
            let translation: ProtobufExposition.Translation
            do { translation = try ProtobufExposition.textExposition(body) } catch { throw .parse(error.description) }
            for (family, unit) in translation.units { noteMetadata(family) { $0.unit = unit } }
            parser = ExpositionParser(bytes: translation.text, format: .prometheusText)
        } else {
            parser = ExpositionParser(bytes: body, format: ExpositionFormat(contentType: contentType))
        }
        let limits = target.limits
        while true {
            let entry: ExpositionEntry
            do { entry = try parser.next() } catch { throw .parse(error.description) }
            switch entry {
            case .eof: return try checkSampleLimit(outcome)
            case .sample: break
            case .help:
                let help = parser.helpText
                noteMetadata(parser.metadataName) { $0.help = help }
                continue
            case .type:
                let type = parser.metricType
                noteMetadata(parser.metadataName) { $0.type = type }
                continue
            case .unit:
                let unit = parser.unitText
                noteMetadata(parser.metadataName) { $0.unit = unit }
                continue
            case .comment: continue
            }
            outcome.samplesScraped += 1
            let bytes = parser.seriesBytes
            let key = ScrapeCache.key(bytes)
            let explicit = target.honorTimestamps ? parser.timestamp : nil
            let t = explicit ?? timestamp
            if let hit = cache.lookup(key) {
                if cache.entries[hit.index].dropped { continue }
                outcome.samplesPostRelabeling += 1
                if limits.sampleLimit > 0 && outcome.samplesPostRelabeling > limits.sampleLimit { continue }
                if hit.seenBefore && explicit == nil {
                    outcome.duplicates += 1
                    continue
                }
                let cachedRef = cache.entries[hit.index].ref
                if cachedRef != 0, try Self.appendCounting(appender, cachedRef, .empty, t, parser.value, &outcome) != nil {
                    continue
                }
                // The storage has no reference for the series (yet, or any more): by labels.
                let scraped: Labels
                do { scraped = try parser.labels() } catch { throw .parse(error.description) }
                guard let labels = metricRelabeler.process(mergeTargetLabels(scraped)) else { continue }
                if let ref = try Self.appendCounting(appender, 0, labels, t, parser.value, &outcome), ref != 0 {
                    cache.setRef(ref, at: hit.index)
                }
            } else {
                let scraped: Labels
                do { scraped = try parser.labels() } catch { throw .parse(error.description) }
                guard let labels = metricRelabeler.process(mergeTargetLabels(scraped)) else {
                    cache.insert(key, ref: 0, dropped: true)
                    continue
                }
                guard labels.metricName != nil else { throw .parse("missing metric name (__name__ label)") }
                if let problem = Self.limitProblem(labels, limits) { throw .limit(problem) }
                outcome.samplesPostRelabeling += 1
                if limits.sampleLimit > 0 && outcome.samplesPostRelabeling > limits.sampleLimit { continue }
                let ref = try Self.appendCounting(appender, 0, labels, t, parser.value, &outcome) ?? 0
                cache.insert(key, ref: ref, dropped: false,
                             tracksStaleness: explicit == nil || trackTimestampsStaleness)
                outcome.seriesAdded += 1
            }
        }
    }

    private func checkSampleLimit(_ outcome: Outcome) throws(ScrapeError) {
        let limit = target.limits.sampleLimit
        if limit > 0 && outcome.samplesPostRelabeling > limit { throw .limit("sample limit exceeded") }
    }

    /// Writes staleness markers for every series of the last successful scrape (the scrape failed,
    /// or the target went away). A second call in a row writes nothing.
    mutating func markAllStale(timestamp: Timestamp, to storage: any Appendable) {
        cache.beginIteration()
        let appender = storage.appender()
        appendStaleMarkers(appender, timestamp: timestamp)
        try? appender.commit()
    }

    private func appendStaleMarkers(_ appender: any Appender, timestamp: Timestamp) {
        // A series the storage no longer knows (garbage-collected: it had no sample for a whole
        // head truncation interval, far longer than the lookback) needs no marker.
        for ref in cache.disappeared() where ref != 0 {
            _ = try? appender.append(ref, .empty, timestamp, .staleMarker)
        }
    }

    /// Appends one sample, counting the rejections Prometheus counts. Returns the series' reference,
    /// or nil when appended by reference alone and the storage no longer has that series.
    private static func appendCounting(_ appender: any Appender, _ ref: SeriesRef, _ labels: Labels, _ t: Timestamp,
                                _ v: Double, _ outcome: inout Outcome) throws(ScrapeError) -> SeriesRef? {
        do {
            return try appender.append(ref, labels, t, v)
        } catch .unknownReference {
            return nil
        } catch .outOfOrder {
            outcome.outOfOrder += 1
        } catch .duplicateSampleForTimestamp {
            outcome.duplicates += 1
        } catch .outOfBounds {
            outcome.outOfOrder += 1
        } catch {
            throw .transport("append failed: \(error)")
        }
        return ref
    }

    /// Prometheus's label limit checks, with its messages; nil when within the limits.
    static func limitProblem(_ labels: Labels, _ limits: SeriesLimits) -> String? {
        // Runs for every new series: the texts are built only for a limit that was exceeded.
        func clip(_ text: String) -> String { String(text.unicodeScalars.prefix(50).map(Character.init)) }
        func metric() -> String { clip(labels.metricName ?? "") }
        if limits.labelLimit > 0 && labels.count > limits.labelLimit {
            return "label_limit exceeded (metric: \(metric()), number of labels: \(labels.count), limit: \(limits.labelLimit))"
        }
        guard limits.labelNameLengthLimit > 0 || limits.labelValueLengthLimit > 0 else { return nil }
        for label in labels {
            if limits.labelNameLengthLimit > 0 && label.name.utf8.count > limits.labelNameLengthLimit {
                return "label_name_length_limit exceeded (metric: \(metric()), label name: \(clip(label.name)), "
                    + "length: \(label.name.utf8.count), limit: \(limits.labelNameLengthLimit))"
            }
            if limits.labelValueLengthLimit > 0 && label.value.utf8.count > limits.labelValueLengthLimit {
                return "label_value_length_limit exceeded (metric: \(metric()), label name: \(clip(label.name)), "
                    + "value: \(quoteLabelValue(clip(label.value))), "
                    + "length: \(label.value.utf8.count), limit: \(limits.labelValueLengthLimit))"
            }
        }
        return nil
    }

    /// Attaches the target's labels. On a clash, `honor_labels: true` keeps the scraped value;
    /// otherwise the scraped label is renamed `exported_<name>` (more `exported_` prefixes while
    /// that name is taken) and the target's value is used, as in Prometheus.
    func mergeTargetLabels(_ scraped: Labels) -> Labels {
        var builder = LabelsBuilder(scraped)
        for label in target.labels {
            if let existing = scraped[label.name] {
                if target.honorLabels { continue }
                var exported = "exported_" + label.name
                while builder[exported] != nil { exported = "exported_" + exported }
                builder.set(exported, existing)
            }
            builder.set(label.name, label.value)
        }
        return builder.labels
    }
}
