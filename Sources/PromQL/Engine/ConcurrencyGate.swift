import Synchronization

/// Admits at most `limit` queries at once (`--query.max-concurrency`); others wait in arrival
/// order.
///
/// Contract: `enter` returns once a slot is free, or throws `QueryError.timeout` when the deadline
/// passes first and `QueryError.canceled` when the waiting task is cancelled; every successful
/// `enter` must be paired with one `leave`.
final class ConcurrencyGate: Sendable {
    private struct State {
        var active = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID: UInt64 = 0
        var abandoned = Set<UInt64>()
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    var activeCount: Int { state.withLock { $0.active } }

    func enter(deadline: ContinuousClock.Instant) async throws(QueryError) {
        let admitted = state.withLock { s -> Bool in
            if s.active < limit { s.active += 1; return true }
            return false
        }
        if admitted { return }
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        // A timer wakes the waiter at the deadline; whoever resumes first wins the slot decision.
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            self.abandon(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // A task cancelled before it got here never waits.
                let cancelled = Task.isCancelled
                let resumeNow = state.withLock { s -> Bool in
                    if s.active < limit { s.active += 1; return true }
                    if cancelled { s.abandoned.insert(id); return true }
                    s.waiters.append((id, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.abandon(id)
        }
        timer.cancel()
        // Admitted means we hold a slot and are no longer queued; abandoned means neither.
        let holding = state.withLock { s -> Bool in
            if s.abandoned.contains(id) { s.abandoned.remove(id); return false }
            return true
        }
        if !holding {
            if Task.isCancelled { throw .canceled("query was canceled while waiting for a query slot") }
            throw .timeout("query timed out in query queue")
        }
    }

    /// Removes a waiter without giving it a slot.
    private func abandon(_ id: UInt64) {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            s.abandoned.insert(id)
            return s.waiters.remove(at: index).continuation
        }
        continuation?.resume()
    }

    func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.active -= 1; return nil }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
