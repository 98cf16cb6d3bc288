import Foundation
import Logging
import ServiceLifecycle
import TSDB

/// Replays the database's write-ahead log once the service group runs (so the HTTP listener already
/// answers, with `/-/ready` at 503), logs the outcome, calls `onReplayed` (start scraping, mark
/// ready), then waits for shutdown. A replay that fails with an I/O error stops the server.
struct HeadReplayService: Service {
    let database: Database
    let logger: Logger
    let beforeReplay: (@Sendable () async -> Void)?
    /// Run after `onReplayed`: retention, and compaction when the head is due for it.
    var maintenance: (@Sendable () -> Void)?
    let onReplayed: @Sendable () -> Void

    func run() async throws {
        if let beforeReplay { await beforeReplay() }
        logger.info("Replaying WAL, this may take a while")
        let database = self.database
        let report = try await Task.detached { try database.replay() }.value
        let seconds = Double(report.duration.components.seconds) + Double(report.duration.components.attoseconds) / 1e18
        logger.info("WAL replay completed", metadata: [
            "duration": "\(String(format: "%.3f", seconds))s", "series": "\(report.series)",
            "samples": "\(report.samples)", "files": "\(report.files)", "corruptions": "\(report.corruptions.count)",
        ])
        if report.unknownReferenceSamples > 0 {
            logger.warning("WAL replay dropped samples of unknown series",
                           metadata: ["samples": "\(report.unknownReferenceSamples)"])
        }
        // Asked to stop while replaying: do not start scraping on the way out.
        guard !Task.isShuttingDownGracefully else { return }
        logger.info("TSDB started", metadata: ["blocks": "\(database.blocks.count)"])
        onReplayed()
        // Ready first; then catch up at once on what a long downtime left due (data past
        // retention, blocks to cut from a head that spans too long), in the background.
        await Task.detached { maintenance?() }.value
        try? await gracefulShutdown()
    }
}
