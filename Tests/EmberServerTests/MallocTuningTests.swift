import Testing
@testable import EmberServer

/// The allocator settings apply unless the operator set glibc's own variable.
@Suite struct MallocTuningTests {
    @Test func appliesEverySettingTheEnvironmentLeavesOpen() {
        #if canImport(Glibc)
        #expect(MallocTuning.apply(environment: [:]) == ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX"])
        #else
        #expect(MallocTuning.apply(environment: [:]) == [])
        #endif
    }

    @Test func anOperatorsVariableWins() {
        let applied = MallocTuning.apply(environment: ["MALLOC_ARENA_MAX": "8", "MALLOC_MMAP_THRESHOLD_": "65536"])
        #if canImport(Glibc)
        #expect(applied == ["MALLOC_TRIM_THRESHOLD_"])
        #else
        #expect(applied == [])
        #endif
    }
}
