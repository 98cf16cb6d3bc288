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
/// line `N passed, N failed`, then one line of skip counts per reason.
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

    public func render() -> String {
        var lines: [String] = fileErrors
        for outcome in outcomes {
            if case let .failed(reason) = outcome.status {
                lines.append("\(outcome.file):\(outcome.line): \(outcome.query): \(reason)")
            }
        }
        lines.append("\(passed) passed, \(failed) failed")
        lines.append("skipped: " + SkipReason.allCases.map { "\(skipped($0)) \($0.rawValue)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
