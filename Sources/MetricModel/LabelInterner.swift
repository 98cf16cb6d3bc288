import Synchronization

/// A table of label names and values that label sets are built from, so that a string many
/// series carry (a metric name, `instance="10.0.0.1:9100"`, an endpoint) has one heap copy in
/// the process instead of one per series.
///
/// Contract:
/// - `intern(_:)` returns a string equal to its argument. A string Swift stores inline (at most
///   15 UTF-8 bytes) has no heap copy to share: it is returned as it is and never enters the table.
/// - `Labels.intern(in:)` swaps a label set's heap strings for the table's copies; a set whose
///   strings already are the table's copies is left untouched (its storage is not copied).
/// - A string stays in the table until `collect(keeping:)` forgets every string the given label
///   sets do not use (the head calls it when it removes series). Forgetting never changes a string
///   handed out before; the next equal string only gets a copy of its own again.
/// - Safe to use from any thread: the table is split by hash into stripes, each behind its own lock.
public final class LabelInterner: Sendable {
    /// The process-wide table the scraper and the head share.
    public static let shared = LabelInterner()

    /// The longest string Swift stores inline, without a heap copy (64-bit platforms).
    static let inlineLimit = 15

    private final class Stripe: Sendable {
        let strings = Mutex(Set<String>())
    }

    private let stripes: [Stripe]

    /// A table split into `stripes` parts (rounded up to a power of two).
    public init(stripes: Int = 16) {
        var count = 1
        while count < stripes { count <<= 1 }
        self.stripes = (0..<count).map { _ in Stripe() }
    }

    /// Whether `string` has a heap copy worth sharing.
    @inline(__always)
    static func isShareable(_ string: String) -> Bool { string.utf8.count > inlineLimit }

    private func stripe(for string: String) -> Stripe {
        stripes[Int(truncatingIfNeeded: UInt(bitPattern: string.hashValue)) & (stripes.count - 1)]
    }

    /// The table's copy of `string` (entered now when absent), or `string` itself when it is inline.
    public func intern(_ string: String) -> String {
        guard Self.isShareable(string) else { return string }
        return stripe(for: string).strings.withLock { $0.insert(string).memberAfterInsert }
    }

    /// Forgets every string that none of `live` uses; returns how many strings remain.
    @discardableResult
    public func collect(keeping live: some Sequence<Labels>) -> Int {
        var used = [Set<String>](repeating: [], count: stripes.count)
        for labels in live {
            for label in labels {
                for string in [label.name, label.value] where Self.isShareable(string) {
                    used[Int(truncatingIfNeeded: UInt(bitPattern: string.hashValue)) & (stripes.count - 1)].insert(string)
                }
            }
        }
        var remaining = 0
        for (index, stripe) in stripes.enumerated() {
            // Filtering keeps the table's own copies (the ones series already share).
            remaining += stripe.strings.withLock { strings in
                strings = strings.filter { used[index].contains($0) }
                return strings.count
            }
        }
        return remaining
    }

    /// Number of strings in the table.
    public var count: Int { stripes.reduce(0) { total, stripe in total + stripe.strings.withLock { $0.count } } }

    /// Whether `a` and `b` are the same string storage (not just equal content): the 16 bytes of
    /// the two values are identical.
    public static func sameStorage(_ a: String, _ b: String) -> Bool {
        withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.elementsEqual(y) } }
    }
}
