import Synchronization

/// Whether the server has finished starting (storage open, first config applied).
/// `/-/ready` answers 503 until `markReady()`.
public final class Readiness: Sendable {
    private let ready = Atomic<Bool>(false)
    public init() {}
    public func markReady() { ready.store(true, ordering: .releasing) }
    public var isReady: Bool { ready.load(ordering: .acquiring) }
}
