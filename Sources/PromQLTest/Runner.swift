import Foundation
import MetricModel
import PromQL
import Storage

/// Runs `.test` files against Ember's engine in-process over a `MemoryStorage`.
///
/// Contract: each file starts with an empty store; commands run in file order; every `eval` case
/// yields exactly one outcome. Cases that need native histograms or start timestamps, which Ember's
/// storage does not hold, are skipped with a reason (see `SkipReason`). Errors are compared by
/// message when the case states one (`msg:` exactly, `regex:` unanchored); annotations likewise
/// unless `strictAnnotations` is off.
public struct CorpusRunner: Sendable {
    /// The engine settings the corpus assumes (FORMAT.md §11).
    public var engineOptions = EngineOptions(lookbackDelta: 5 * 60_000, timeout: 100_000,
                                             maxSamples: 10_000, maxConcurrency: 4)

    /// Compare annotation texts (`expect warn msg: ...`) too; when false only their presence and
    /// absence are checked (FORMAT.md's "basic" level).
    public var strictAnnotations = true
    /// Re-run instant cases with every selector pinned by `@` at other times (FORMAT.md §10.2).
    public var checkStepInvariance = true

    public init() {}

    /// Runs every `.test` file in each directory (sorted by name), or each path that is a file.
    public func run(paths: [String]) async -> CorpusReport {
        var report = CorpusReport()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                report.fileErrors.append("\(path): no such file or directory")
                continue
            }
            var files = [path]
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files = names.filter { $0.hasSuffix(".test") }.sorted().map { path + "/" + $0 }
            }
            for file in files { await run(file: file, into: &report) }
        }
        return report
    }

    func run(file: String, into report: inout CorpusReport) async {
        let name = (file as NSString).lastPathComponent
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            report.fileErrors.append("\(file): cannot read file")
            return
        }
        let script: TestScript
        do {
            script = try TestScript.parse(text, file: name)
        } catch {
            report.fileErrors.append(error.description)
            return
        }
        var store = LoadedData()
        for command in script.commands {
            switch command {
            case .clear:
                store = LoadedData()
            case let .load(load):
                do {
                    try store.load(load)
                } catch {
                    report.fileErrors.append("\(name):\(load.line): loading data: \(error)")
                }
            case let .eval(evalCase):
                await Task.yield()
                let status = await run(evalCase, on: store)
                report.outcomes.append(CaseOutcome(file: name, line: evalCase.line, query: evalCase.query, status: status))
            }
        }
    }

    func run(_ evalCase: EvalCase, on store: LoadedData) async -> CaseOutcome.Status {
        if let reason = store.skipReason(for: evalCase) { return .skipped(reason) }
        let engine = Engine(queryable: store.storage, options: engineOptions)
        let result: QueryResult
        do {
            switch evalCase.mode {
            case let .instant(t):
                result = try await engine.execute(evalCase.query, start: evalCase.rangeVector?.end ?? t,
                                                  end: evalCase.rangeVector?.end ?? t, step: 0)
            case let .range(start, end, step):
                result = try await engine.execute(evalCase.query, start: start, end: end, step: step)
            }
        } catch {
            guard let check = evalCase.expectFail else { return .failed("unexpected error: \(error.description)") }
            if let mismatch = Self.mismatch(check, error.description) {
                return .failed("error \"\(error.description)\" \(mismatch)")
            }
            return .passed
        }
        if evalCase.expectFail != nil { return .failed("expected an error, got a \(result.value.typeName)") }
        if let problem = Self.checkAnnotations(evalCase, result, strict: strictAnnotations) { return .failed(problem) }
        if let problem = ResultComparison.compare(evalCase, result.value) { return .failed(problem) }
        if let problem = await checkRangeMode(evalCase, engine) { return .failed("in range mode: " + problem) }
        if let problem = await checkAtPinning(evalCase, engine) { return .failed(problem) }
        return .passed
    }

    /// FORMAT.md §10.2: the query with every selector pinned to `@ t` must give the same result
    /// at other evaluation times, in instant and in range mode.
    func checkAtPinning(_ evalCase: EvalCase, _ engine: Engine) async -> String? {
        guard checkStepInvariance, case let .instant(t) = evalCase.mode, evalCase.expectFail == nil,
              evalCase.expectString == nil, evalCase.rangeVector == nil,
              let expr = try? parsePromQL(evalCase.query), !AtPinning.usesTimeDependentFunction(expr) else { return nil }
        var pinned = evalCase
        pinned.query = AtPinning.pin(expr, at: t).description
        for time in AtPinning.times(for: t) {
            pinned.mode = .instant(time)
            let value: QueryValue
            do {
                value = try await engine.instantQuery(pinned.query, at: time)
            } catch {
                return "pinned as \(pinned.query) at \(time): unexpected error: \(error.description)"
            }
            if let problem = ResultComparison.compare(pinned, value) {
                return "pinned as \(pinned.query) at \(time): \(problem)"
            }
            if let problem = await checkRangeMode(pinned, engine) {
                return "pinned as \(pinned.query) at \(time) in range mode: \(problem)"
            }
        }
        return nil
    }

    /// The reference runner's range-mode consistency check (FORMAT.md §10.1): an instant case is
    /// re-run as a range query from t-1m to t+1m step 1m, and its points at t must match too.
    func checkRangeMode(_ evalCase: EvalCase, _ engine: Engine) async -> String? {
        guard case let .instant(t) = evalCase.mode, evalCase.expectFail == nil, evalCase.expectString == nil,
              evalCase.rangeVector == nil else { return nil }
        for word in ["start()", "end()", "range()", "step()"] where evalCase.query.lowercased().contains(word) { return nil }
        let value: QueryValue
        do {
            value = try await engine.rangeQuery(evalCase.query, start: t - 60_000, end: t + 60_000, step: 60_000)
        } catch {
            return "unexpected error: \(error.description)"
        }
        guard case let .matrix(series) = value else { return "expected a matrix, got a \(value.typeName)" }
        if evalCase.ordered { return nil }
        var atT: [VectorElement] = []
        for s in series {
            if let i = s.timestamps.firstIndex(of: t) { atT.append(VectorElement(labels: s.labels, timestamp: t, value: s.values[i])) }
        }
        var check = evalCase
        check.ordered = false
        if let expected = evalCase.scalar {
            guard atT.count == 1, atT[0].labels.isEmpty else { return "expected one scalar point at \(t), got \(atT.count)" }
            return ResultComparison.almostEqual(expected, atT[0].value) ? nil : "expected scalar \(expected), got \(atT[0].value)"
        }
        for i in series.indices.dropFirst() where !(series[i - 1].labels < series[i].labels) {
            return "matrix is not sorted by labels"
        }
        return ResultComparison.compare(check, .vector(atT))
    }

    static func checkAnnotations(_ evalCase: EvalCase, _ result: QueryResult, strict: Bool) -> String? {
        if (evalCase.requireWarn || !evalCase.expectWarn.isEmpty) && result.warnings.isEmpty { return "expected a warning, got none" }
        if (evalCase.requireInfo || !evalCase.expectInfo.isEmpty) && result.infos.isEmpty { return "expected an info annotation, got none" }
        if evalCase.noWarn, let first = result.warnings.first { return "expected no warnings, got \"\(first)\"" }
        if evalCase.noInfo, let first = result.infos.first { return "expected no info annotations, got \"\(first)\"" }
        guard strict else { return nil }
        for (checks, got, kind) in [(evalCase.expectWarn, result.warnings, "warning"), (evalCase.expectInfo, result.infos, "info")] where !checks.isEmpty {
            for check in checks where !got.contains(where: { mismatch(check, $0) == nil }) {
                return "no \(kind) matches \(check); got \(got)"
            }
            for text in got where !checks.contains(where: { mismatch($0, text) == nil }) {
                return "unexpected \(kind) \"\(text)\""
            }
        }
        return nil
    }

    /// Nil when `message` satisfies `check`, else why not.
    static func mismatch(_ check: MessageCheck, _ message: String) -> String? {
        switch check {
        case .any: return nil
        case let .exact(expected):
            return message == expected ? nil : "is not the expected \"\(expected)\""
        case let .regex(pattern):
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return "cannot compile regex \(pattern)" }
            let found = regex.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) != nil
            return found ? nil : "does not match /\(pattern)/"
        }
    }
}

/// The data loaded since the last `clear`, and what it tells about which cases Ember can run.
struct LoadedData {
    let storage = MemoryStorage()
    /// Series that hold native-histogram samples (directly or converted by `load_with_nhcb`).
    var histogramSeries: [Labels] = []
    /// Series loaded with start timestamps.
    var startTimestampSeries: [Labels] = []

    struct LoadFailure: Error, CustomStringConvertible {
        var description: String
    }

    mutating func load(_ command: LoadCommand) throws {
        let appender = storage.appender()
        for series in command.series {
            if series.hasHistograms { histogramSeries.append(series.labels) }
            if series.hasStartTimestamps { startTimestampSeries.append(series.labels) }
            for (t, v) in series.samples {
                do {
                    _ = try appender.append(0, series.labels, t, v)
                } catch {
                    throw LoadFailure(description: "\(series.labels) at \(t): \(error)")
                }
            }
        }
        try appender.commit()
        if command.withNHCB {
            for series in command.series {
                guard let name = series.labels.metricName else { continue }
                for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) {
                    let base = series.labels.removing(["le"]).setting(Labels.metricName, to: String(name.dropLast(suffix.count)))
                    if !histogramSeries.contains(base) { histogramSeries.append(base) }
                }
            }
        }
    }

    func skipReason(for evalCase: EvalCase) -> SkipReason? {
        if evalCase.series.contains(where: \.hasHistograms) { return .nativeHistograms }
        guard let expr = try? parsePromQL(evalCase.query) else { return nil }
        var reason: SkipReason?
        func visit(_ e: Expr) {
            switch e {
            case let .vectorSelector(vs): check(vs)
            case let .matrixSelector(ms): check(ms.selector)
            default: break
            }
            e.children.forEach(visit)
        }
        func check(_ vs: VectorSelector) {
            let matches = { (labels: Labels) in vs.matchers.allSatisfy { $0.matches(labels) } }
            if histogramSeries.contains(where: matches) { reason = .nativeHistograms }
            if startTimestampSeries.contains(where: matches), reason != .nativeHistograms { reason = .startTimestamps }
        }
        visit(expr)
        return reason
    }
}
