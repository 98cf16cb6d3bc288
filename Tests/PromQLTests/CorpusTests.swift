import Foundation
import Testing
@testable import PromQL

/// Parses every `eval` query of the Prometheus test corpus in /work/shared/promql-testdata
/// (read in place; the test does nothing when the directory is absent).
struct CorpusTests {
    static let directory = "/work/shared/promql-testdata"

    struct Case: Sendable {
        let file: String
        let line: Int
        let query: String
    }

    /// The expression of an `eval` header: everything after `at <time>` or
    /// `from <start> to <end> step <step>`, verbatim.
    static func query(ofHeader header: String) -> String? {
        var rest = Substring(header)
        func nextWord() -> Substring? {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            guard !rest.isEmpty else { return nil }
            let word = rest.prefix(while: { $0 != " " && $0 != "\t" })
            rest = rest.dropFirst(word.count)
            return word
        }
        guard let command = nextWord(), command.lowercased().hasPrefix("eval") else { return nil }
        guard let mode = nextWord() else { return nil }
        let skip = mode == "instant" ? 2 : mode == "range" ? 6 : -1
        guard skip > 0 else { return nil }
        for _ in 0..<skip { guard nextWord() != nil else { return nil } }
        return String(rest.drop(while: { $0 == " " || $0 == "\t" }))
    }

    static func cases() -> [Case] {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var result: [Case] = []
        for file in files.sorted() where file.hasSuffix(".test") {
            guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) else { continue }
            for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
                guard line.lowercased().hasPrefix("eval"), let q = query(ofHeader: line) else { continue }
                result.append(Case(file: file, line: i + 1, query: q))
            }
        }
        return result
    }

    @Test func everyCorpusQueryParsesAndRoundTrips() {
        let all = CorpusTests.cases()
        var failures: [String] = []
        var roundTripFailures: [String] = []
        for c in all {
            do {
                let e = try parsePromQL(c.query)
                let printed = e.description
                do {
                    let again = try parsePromQL(printed)
                    if again != e || again.description != printed {
                        roundTripFailures.append("\(c.file):\(c.line): \(c.query) => \(printed)")
                    }
                } catch {
                    roundTripFailures.append("\(c.file):\(c.line): \(c.query) => \(printed) => \(error)")
                }
            } catch {
                failures.append("\(c.file):\(c.line): \(c.query) => \(error)")
            }
        }
        print("corpus: \(all.count) eval queries, \(all.count - failures.count) parse, \(failures.count) fail, \(roundTripFailures.count) round-trip failures")
        for f in failures { print("  parse failure: \(f)") }
        for f in roundTripFailures { print("  round-trip failure: \(f)") }
        #expect(failures.isEmpty)
        #expect(roundTripFailures.isEmpty)
    }
}
