import Exposition
import MetricModel
import Storage

/// Turns one scrape's body into appended samples for one target, through the target's scrape cache.
///
/// Contract: either every sample of the body is appended (rejected out-of-order or duplicate
/// samples are counted, not fatal, as in Prometheus) and committed, or — on a malformed body —
/// nothing is, and the error names the line. Series that were in the previous scrape and are not
/// in this one get a staleness marker at this scrape's timestamp.
struct ScrapeAppender {
    struct Outcome: Equatable {
        var samplesScraped = 0
        var seriesAdded = 0
        var outOfOrder = 0
        var duplicates = 0
    }

    let target: ScrapeTarget
    var cache = ScrapeCache()

    init(target: ScrapeTarget) { self.target = target }

    /// Parses and appends `body`; throws `ScrapeError.parse` without appending anything on bad input.
    mutating func append(body: [UInt8], contentType: String?, timestamp: Timestamp,
                         to storage: any Appendable) throws(ScrapeError) -> Outcome {
        cache.beginIteration()
        let appender = storage.appender()
        var outcome = Outcome()
        var parser = ExpositionParser(bytes: body, format: ExpositionFormat(contentType: contentType))
        do {
            while true {
                let entry = try parser.next()
                if entry == .eof { break }
                guard entry == .sample else { continue }
                outcome.samplesScraped += 1
                let bytes = parser.seriesBytes
                let hash = ScrapeCache.hash(bytes)
                let t = target.honorTimestamps ? (parser.timestamp ?? timestamp) : timestamp
                if let cached = cache.lookup(bytes, hash: hash) {
                    let ref = try appendCounting(appender, cached.ref, cached.labels, t, parser.value, &outcome)
                    if ref != cached.ref { cache.update(bytes, hash: hash, ref: ref) }
                } else {
                    let labels = mergeTargetLabels(try parser.labels())
                    let ref = try appendCounting(appender, 0, labels, t, parser.value, &outcome)
                    cache.insert(bytes, hash: hash, ref: ref, labels: labels)
                    outcome.seriesAdded += 1
                }
            }
        } catch let error as ExpositionError {
            appender.rollback()
            cache.beginIteration() // nothing from this scrape counts as seen
            throw .parse(error.description)
        } catch {
            appender.rollback()
            throw .transport("\(error)")
        }
        appendStaleMarkers(appender, timestamp: timestamp)
        do { try appender.commit() } catch { throw .transport("append failed: \(error)") }
        cache.evictOld()
        return outcome
    }

    /// Writes staleness markers for every series of the last successful scrape (the scrape failed,
    /// or the target went away).
    mutating func markAllStale(timestamp: Timestamp, to storage: any Appendable) {
        cache.beginIteration()
        let appender = storage.appender()
        appendStaleMarkers(appender, timestamp: timestamp)
        try? appender.commit()
    }

    private func appendStaleMarkers(_ appender: any Appender, timestamp: Timestamp) {
        for entry in cache.disappeared() {
            _ = try? appender.append(entry.ref, entry.labels, timestamp, .staleMarker)
        }
    }

    private func appendCounting(_ appender: any Appender, _ ref: SeriesRef, _ labels: Labels, _ t: Timestamp,
                                _ v: Double, _ outcome: inout Outcome) throws -> SeriesRef {
        do {
            return try appender.append(ref, labels, t, v)
        } catch .outOfOrder {
            outcome.outOfOrder += 1
        } catch .duplicateSampleForTimestamp {
            outcome.duplicates += 1
        } catch {
            throw error
        }
        return ref
    }

    /// Attaches the target's labels. On a clash, `honor_labels: true` keeps the scraped value;
    /// otherwise the scraped label is renamed `exported_<name>` and the target's value is used,
    /// as in Prometheus.
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
