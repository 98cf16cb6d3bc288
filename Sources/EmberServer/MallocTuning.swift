#if canImport(Glibc)
import CMalloc
#endif

/// glibc malloc settings for a server that holds many small long-lived objects (series, labels,
/// chunks) and, every scrape, a few large short-lived buffers (response bodies, parse and
/// write-ahead-log buffers).
///
/// Contract: `apply(environment:)` sets, through `mallopt`, each setting whose glibc environment
/// variable is not set, so an operator's own `MALLOC_*` tuning wins; it returns the variables of
/// the settings it applied. On other C libraries it applies nothing.
///
/// glibc's mmap threshold otherwise rises to the size of every large block freed (up to 32 MiB),
/// so after the first scrape the bodies come from the heap and their pages stay resident, spread
/// over one arena per thread. A fixed threshold returns them; the price is page faults when the
/// next body is allocated. At 100k series over 4 targets (docs/benchmarks/2026-11-30-memory-per-series.md)
/// 4 MiB took 11 MB off the resident set for ~0.05 s more system time per million samples;
/// 128 KiB took 18 MB off for ~0.2 s more (too much CPU).
public enum MallocTuning {
    /// glibc's variable name, the `mallopt` parameter it stands for, and Ember's value.
    static let settings: [(variable: String, parameter: Int32, value: Int32)] = {
        #if canImport(Glibc)
        [
            // Blocks of 4 MiB and more (a large scrape body's buffer) are mapped on their own
            // and unmapped when freed.
            ("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, 4 << 20),
            // Free memory over 4 MiB at the top of a heap goes back to the system. Lower, each
            // scrape's buffers were returned and faulted in again: at 10k series a 128 KiB
            // threshold cost 10-14% more CPU than 4 MiB (or 16 MiB), for 4 MiB less resident.
            ("MALLOC_TRIM_THRESHOLD_", M_TRIM_THRESHOLD, 4 << 20),
            // One arena for the whole process, not 8 per core: each arena keeps its own free
            // memory. At 100k series one arena held 5 MiB less than two, for the same CPU.
            ("MALLOC_ARENA_MAX", M_ARENA_MAX, 1),
        ]
        #else
        []
        #endif
    }()

    /// Gives the free memory inside malloc's heaps back to the system (glibc's `malloc_trim(0)`):
    /// whole free pages between live blocks, which the trim threshold never reaches because only
    /// the top of a heap is trimmed on `free`. Series creation leaves such holes — label sets
    /// parsed, relabeled and dropped, tables and lists that grew and moved — between the
    /// long-lived series objects allocated at the same time. Returns whether anything was released.
    @discardableResult
    public static func releaseFreeMemory() -> Bool {
        #if canImport(Glibc)
        return malloc_trim(0) == 1
        #else
        return false
        #endif
    }

    /// Applies every setting the environment does not set; returns the variables applied.
    @discardableResult
    public static func apply(environment: [String: String]) -> [String] {
        var applied: [String] = []
        #if canImport(Glibc)
        for setting in settings where environment[setting.variable] == nil {
            if mallopt(setting.parameter, setting.value) == 1 { applied.append(setting.variable) }
        }
        #endif
        return applied
    }
}
