import NIOCore

/// A `TaskExecutor` that runs every job on one NIO event loop.
///
/// Contract: a task that prefers this executor (`Task(executorPreference:)`) runs its
/// non-isolated code, and its child tasks, on the loop's thread, one job at a time in the order
/// enqueued. A scrape loop runs here so that its timer, its HTTP exchange (AsyncHTTPClient picks
/// the loop it is called on) and its append stay on one thread: Swift's global pool on Linux
/// starts a thread for nearly every scrape at intervals over its 5 s idle timeout, and its timers
/// wake a manager thread. Work that can run long leaves the loop (`ScrapeLoop.offLoop`). The HTTP
/// listener answers small requests on it too (`SmallRequestPolicy`).
public final class EventLoopExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension EventLoop {
    /// Suspends for `milliseconds` on this loop's timer (not the global pool's); throws
    /// `EventLoopError.cancelled` as soon as the task is cancelled.
    func sleep(milliseconds: Int64) async throws {
        let scheduled = scheduleTask(in: .milliseconds(milliseconds)) {}
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
