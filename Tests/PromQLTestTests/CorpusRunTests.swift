import Foundation
import Testing
import PromQLTest

/// Runs Prometheus's PromQL corpus (`../shared/promql-testdata`, relative to the package root, or
/// the directory in `$PROMQL_TESTDATA`) through the runner and fails when fewer cases pass than the
/// floor in `corpus-floor.txt`.
struct CorpusRunTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = ProcessInfo.processInfo.environment["PROMQL_TESTDATA"]
        ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/promql-testdata").path
    static let floorFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("corpus-floor.txt").path

    @Test func passingCasesStayAboveTheFloor() async throws {
        guard FileManager.default.fileExists(atPath: Self.corpus) else {
            print("CorpusRunTests: skipped, no corpus at \(Self.corpus)")
            return
        }
        let floorText = try String(contentsOfFile: Self.floorFile, encoding: .utf8)
        let floor = try #require(Int(floorText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let report = await CorpusRunner().run(paths: [Self.corpus])
        let summary = report.render().split(separator: "\n").suffix(2).joined(separator: "; ")
        print("PromQL corpus: \(summary)")
        #expect(report.fileErrors.isEmpty, "\(report.fileErrors)")
        #expect(report.passed >= floor, "only \(report.passed) corpus cases pass, floor is \(floor): \(summary)")
    }
}
