/// Why a case was not run: it needs something Ember does not implement. Skips are counted and
/// reported, never hidden.
public enum SkipReason: String, Sendable, Hashable, CaseIterable {
    /// The data it reads or the result it expects holds native histograms (`{{...}}`,
    /// `load_with_nhcb`).
    case nativeHistograms = "native histograms"
    /// The data it reads carries start timestamps (`@st` lines), an experimental Prometheus
    /// feature Ember's storage does not model.
    case startTimestamps = "start timestamps"
}

/// The outcome of one `eval` case.
public struct CaseOutcome: Sendable {
    public enum Status: Sendable {
        case passed
        case failed(String)
        case skipped(SkipReason)
    }

    public var file: String
    public var line: Int
    public var query: String
    public var status: Status
}

/// The outcomes of a corpus run, and their one-line-per-failure rendering.
///
/// Contract: `render()` prints one line per failing case (`file:line: query: reason`), then one
/// line `N passed, N failed`, then one line of skip counts per reason. `render(perFile: true)`
/// puts one line per file before the totals: `file: N passed, N failed, N skipped (reasons)`.
public struct CorpusReport: Sendable {
    public var outcomes: [CaseOutcome] = []
    /// Files that could not be read or parsed, with the reason.
    public var fileErrors: [String] = []

    public init() {}

    public var passed: Int { outcomes.filter { if case .passed = $0.status { return true } else { return false } }.count }
    public var failed: Int {
        outcomes.filter { if case .failed = $0.status { return true } else { return false } }.count + fileErrors.count
    }
    public func skipped(_ reason: SkipReason) -> Int {
        outcomes.filter { if case let .skipped(r) = $0.status { return r == reason } else { return false } }.count
    }

    public func render(perFile: Bool = false) -> String {
        var lines: [String] = fileErrors
        for outcome in outcomes {
            if case let .failed(reason) = outcome.status {
                lines.append("\(outcome.file):\(outcome.line): \(outcome.query): \(reason)")
            }
        }
        if perFile { lines += fileLines() }
        lines.append("\(passed) passed, \(failed) failed")
        lines.append("skipped: " + SkipReason.allCases.map { "\(skipped($0)) \($0.rawValue)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// `file: N passed, N failed, N skipped (N native histograms, ...)`, files in their order of running.
    func fileLines() -> [String] {
        var order: [String] = []
        var counts: [String: (passed: Int, failed: Int, skipped: [SkipReason: Int])] = [:]
        for outcome in outcomes {
            if counts[outcome.file] == nil {
                order.append(outcome.file)
                counts[outcome.file] = (0, 0, [:])
            }
            switch outcome.status {
            case .passed: counts[outcome.file]!.passed += 1
            case .failed: counts[outcome.file]!.failed += 1
            case let .skipped(reason): counts[outcome.file]!.skipped[reason, default: 0] += 1
            }
        }
        return order.map { file in
            let count = counts[file]!
            let skipped = count.skipped.values.reduce(0, +)
            var line = "\(file): \(count.passed) passed, \(count.failed) failed, \(skipped) skipped"
            if skipped > 0 {
                line += " (" + SkipReason.allCases.compactMap { reason in
                    count.skipped[reason].map { "\($0) \(reason.rawValue)" }
                }.joined(separator: ", ") + ")"
            }
            return line
        }
    }
}
