import Foundation
import MetricModel
import Storage
import Synchronization
import Testing
@testable import PromQL

/// A storage whose `select` sleeps, to make queries slow on purpose.
final class SlowStorage: Queryable {
    let inner: MemoryStorage
    let delay: TimeInterval

    init(delay: TimeInterval) throws {
        inner = MemoryStorage()
        self.delay = delay
        try inner.add(Labels(["__name__": "up", "job": "a"]), [(0, 1)])
    }

    func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        Thread.sleep(forTimeInterval: delay)
        return try inner.querier(mint: mint, maxt: maxt)
    }
}

/// A storage whose `querier` blocks (at most 60 s) until the test releases it, to hold a query slot.
final class BlockingStorage: Queryable {
    let inner = MemoryStorage()
    let entered = Mutex(false)
    let release = DispatchSemaphore(value: 0)

    init() throws {
        try inner.add(Labels(["__name__": "up", "job": "a"]), [(0, 1)])
    }

    func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        entered.withLock { $0 = true }
        _ = release.wait(timeout: .now() + 60)
        return try inner.querier(mint: mint, maxt: maxt)
    }
}

/// Query timeout, max samples, max concurrency and cancellation.
struct LimitsTests {
    @Test func timeoutStopsEvaluation() async throws {
        let engine = Engine(queryable: try SlowStorage(delay: 0.05), options: EngineOptions(timeout: 10))
        await #expect(throws: QueryError.timeout("query timed out in expression evaluation")) {
            _ = try await engine.instantQuery("up + up", at: 0)
        }
    }

    @Test func perQueryTimeoutOverridesTheEngine() async throws {
        let engine = Engine(queryable: try SlowStorage(delay: 0.05))
        await #expect(throws: QueryError.timeout("query timed out in expression evaluation")) {
            _ = try await engine.instantQuery("up + up", at: 0, options: QueryOptions(timeout: 10))
        }
    }

    @Test func maxSamplesFailsTheQuery() async throws {
        let storage = MemoryStorage()
        for i in 0..<10 { try storage.add(Labels(["__name__": "m", "i": "\(i)"]), (0..<10).map { (Int64($0) * 1000, 1) }) }
        let limited = Engine(queryable: storage, options: EngineOptions(maxSamples: 50))
        await #expect(throws: QueryError.execution("query processing would load too many samples into memory in query execution")) {
            _ = try await limited.instantQuery("sum(count_over_time(m[10s]))", at: 9000)
        }
        await #expect(throws: QueryError.execution("query processing would load too many samples into memory in query execution")) {
            _ = try await limited.rangeQuery("m", start: 0, end: 9000, step: 1000)
        }
        #expect(try await limited.instantQuery("sum(m)", at: 9000) == .vector([VectorElement(labels: .empty, timestamp: 9000, value: 10)]))
    }

    @Test func concurrencyGateQueuesAndTimesOutWaiters() async throws {
        let storage = try BlockingStorage()
        let engine = Engine(queryable: storage, options: EngineOptions(maxConcurrency: 1))
        let first = Task { try await engine.instantQuery("up", at: 0) }
        for _ in 0..<6000 where !storage.entered.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(engine.gate.activeCount == 1)
        await #expect(throws: QueryError.timeout("query timed out in query queue")) {
            _ = try await engine.instantQuery("up", at: 0, options: QueryOptions(timeout: 20))
        }
        storage.release.signal()
        let result = try await first.value
        #expect(result == .vector([VectorElement(labels: Labels(["__name__": "up", "job": "a"]), timestamp: 0, value: 1)]))
        #expect(engine.gate.activeCount == 0)
        // The slot is free again.
        storage.release.signal()
        _ = try await engine.instantQuery("up", at: 0)
    }

    @Test func queuedQueriesRunInTurn() async throws {
        let gate = ConcurrencyGate(limit: 2)
        let far = ContinuousClock.now + .seconds(10)
        try await gate.enter(deadline: far)
        try await gate.enter(deadline: far)
        let third = Task { try await gate.enter(deadline: far) }
        try await Task.sleep(for: .milliseconds(20))
        #expect(gate.activeCount == 2)
        gate.leave()
        try await third.value
        #expect(gate.activeCount == 2)
        gate.leave()
        gate.leave()
        #expect(gate.activeCount == 0)
    }

    @Test func cancelledWaitersLeaveTheQueue() async throws {
        let gate = ConcurrencyGate(limit: 1)
        // The deadline is far beyond the bound below, so only cancellation can end the wait in time.
        let far = ContinuousClock.now + .seconds(600)
        try await gate.enter(deadline: far)
        let waiter = Task { try await gate.enter(deadline: far) }
        try await Task.sleep(for: .milliseconds(20))
        let started = ContinuousClock.now
        waiter.cancel()
        await #expect(throws: QueryError.canceled("query was canceled while waiting for a query slot")) {
            try await waiter.value
        }
        #expect(ContinuousClock.now - started < .seconds(120))
        #expect(gate.activeCount == 1)
        gate.leave()
        #expect(gate.activeCount == 0)
    }

    @Test func cancellationStopsEvaluation() async throws {
        let engine = Engine(queryable: try SlowStorage(delay: 0.1))
        let task = Task { try await engine.instantQuery("up + up", at: 0) }
        task.cancel()
        await #expect(throws: QueryError.canceled("query was canceled in expression evaluation")) {
            _ = try await task.value
        }
    }
}
