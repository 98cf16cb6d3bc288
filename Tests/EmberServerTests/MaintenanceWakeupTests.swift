import Foundation
import Logging
import MetricModel
import ServiceLifecycle
import Synchronization
import Testing
import TSDB
@testable import EmberServer

/// The maintenance loop sleeps between rounds and is woken by the append that makes the head
/// ready to compact, instead of polling every second. Waits that must end early have deadlines
/// of ten minutes and must end within five: the suite runs beside tests that keep the
/// cooperative pool busy for seconds, so tighter bounds would measure the machine.
@Suite struct MaintenanceWakeupTests {
    @Test func aSignalEndsTheWaitAndOneSentEarlierIsKept() async {
        let wakeup = Wakeup()
        let clock = ContinuousClock()
        // Sent before anyone waits: the next wait returns at once.
        wakeup.signal()
        var started = clock.now
        await wakeup.wait(until: clock.now + .seconds(600))
        #expect(clock.now - started < .seconds(300))
        // Kept once only: without a signal the wait lasts until its deadline.
        started = clock.now
        await wakeup.wait(until: clock.now + .milliseconds(200))
        #expect(clock.now - started >= .milliseconds(200))
        // Sent while waiting.
        started = clock.now
        async let waited: Void = wakeup.wait(until: clock.now + .seconds(600))
        try? await Task.sleep(for: .milliseconds(100))
        wakeup.signal()
        await waited
        #expect(clock.now - started < .seconds(300))
    }

    @Test func cancellationEndsTheWait() async {
        let wakeup = Wakeup()
        let clock = ContinuousClock()
        let started = clock.now
        let task = Task { await wakeup.wait(until: clock.now + .seconds(600)) }
        try? await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await task.value
        #expect(clock.now - started < .seconds(300))
        // Cancelled before it starts: returns at once too.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await wakeup.wait(until: clock.now + .seconds(600))
        }
        await early.value
        #expect(clock.now - started < .seconds(300))
    }

    @Test func theHeadTellsWhenACommitMakesItCompactable() throws {
        let directory = try TemporaryDirectory()
        var options = Database.Options()
        options.blockRange = 60_000
        let database = try Database.open(directory: directory.path, options: options)
        let calls = Mutex(0)
        database.onHeadCompactable { calls.withLock { $0 += 1 } }
        let labels = Labels(["__name__": "up"])
        for t in stride(from: Int64(0), through: 90_000, by: 10_000) {
            let app = database.appender()
            _ = try app.append(0, labels, t, 1)
            try app.commit()
        }
        // 1.5 ranges are 90 s: spanning exactly that is not yet more.
        #expect(calls.withLock { $0 } == 0 && !database.headNeedsCompaction)
        let app = database.appender()
        _ = try app.append(0, labels, 100_000, 1)
        try app.commit()
        #expect(calls.withLock { $0 } == 1 && database.headNeedsCompaction)
        try database.close()
    }

    @Test func theServiceCompactsAsSoonAsTheHeadIsReadyNotAtTheNextInterval() async throws {
        let directory = try TemporaryDirectory()
        var options = Database.Options()
        options.blockRange = 60_000
        let database = try Database.open(directory: directory.path, options: options)
        let labels = Labels(["__name__": "up"])
        func append(_ times: StrideThrough<Int64>) throws {
            for t in times {
                let app = database.appender()
                _ = try app.append(0, labels, t, 1)
                try app.commit()
            }
        }
        func blocks(_ count: Int) async throws -> Int {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(300)
            while database.blocks.count < count, clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            return database.blocks.count
        }
        // Ready before the service starts: it compacts at once, not after its hour.
        try append(stride(from: 0, through: 120_000, by: 10_000))
        let service = StorageMaintenanceService(database: database, retention: ServerOptions.defaultRetention,
                                                interval: .seconds(3600), logger: Logger(label: "test"))
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await blocks(1) == 1)
            // Ready again while it sleeps: the commit wakes it.
            try append(stride(from: 130_000, through: 240_000, by: 10_000))
            #expect(try await blocks(3) == 3)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try database.close()
    }
}
