import CMalloc

/// glibc malloc settings for a server that holds many small long-lived objects (series, labels,
/// chunks) and, every scrape, a few large short-lived buffers (response bodies, parse and
/// write-ahead-log buffers).
///
/// Contract: every setting whose glibc environment variable is not set is applied when the
/// program (anything linking this module) is loaded, so an operator's own `MALLOC_*` tuning wins;
/// `appliedAtLoad` names them. `apply(environment:)` applies them again the same way and returns
/// the variables it applied. On other C libraries nothing is applied.
///
/// glibc's mmap threshold otherwise rises to the size of every large block freed (up to 32 MiB),
/// so after the first scrape the bodies come from the heap and their pages stay resident, spread
/// over one arena per thread. A fixed threshold returns them; the price is page faults when the
/// next body is allocated. At 100k series over 4 targets (docs/benchmarks/2026-11-30-memory-per-series.md)
/// 4 MiB took 11 MB off the resident set for ~0.05 s more system time per million samples;
/// 128 KiB took 18 MB off for ~0.2 s more (too much CPU).
public enum MallocTuning {
    // The settings (CMalloc/malloc_tuning.c, where a constructor applies them when the program
    // is loaded, before any thread exists: glibc fixes the arena limit the first time a second
    // thread allocates, and Swift code runs after the runtime started its threads):
    // - MALLOC_MMAP_THRESHOLD_ 4 MiB: blocks of 4 MiB and more (a large scrape body's buffer) are
    //   mapped on their own and unmapped when freed.
    // - MALLOC_TRIM_THRESHOLD_ 4 MiB: free memory over 4 MiB at the top of a heap goes back to the
    //   system. Lower, each scrape's buffers were returned and faulted in again: at 10k series a
    //   128 KiB threshold cost 10-14% more CPU than 4 MiB (or 16 MiB), for 4 MiB less resident.
    // - MALLOC_ARENA_MAX 1: one arena for the whole process, not 8 per core, each keeping its own
    //   free memory. At 100k series one arena held 5 MiB less than two for the same CPU, but only
    //   when set before the threads start (docs/benchmarks/2026-11-30-labels-as-ids.md).

    /// glibc's variable names of the settings, in order.
    static var variables: [String] {
        (0..<ember_malloc_setting_count()).map { String(cString: ember_malloc_setting_variable($0)) }
    }

    /// The variables of the settings applied when the program was loaded (those the environment
    /// did not set).
    public static var appliedAtLoad: [String] {
        let applied = ember_malloc_settings_applied_at_load()
        return variables.enumerated().filter { applied & (1 << UInt32($0.offset)) != 0 }.map(\.element)
    }

    /// Applies again every setting the environment does not set; returns the variables applied.
    @discardableResult
    public static func apply(environment: [String: String]) -> [String] {
        variables.enumerated().filter { index, variable in
            environment[variable] == nil && ember_malloc_setting_apply(Int32(index)) == 1
        }.map(\.element)
    }

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
}
