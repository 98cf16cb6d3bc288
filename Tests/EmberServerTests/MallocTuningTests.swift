import Foundation
import Testing
@testable import EmberServer

/// The allocator settings apply unless the operator set glibc's own variable.
@Suite struct MallocTuningTests {
    /// This test process links the module, so the settings were applied when it was loaded.
    @Test func settingsWereAppliedAtLoad() {
        let environment = ProcessInfo.processInfo.environment
        #if canImport(Glibc)
        #expect(MallocTuning.appliedAtLoad == MallocTuning.variables.filter { environment[$0] == nil })
        #expect(MallocTuning.variables == ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX"])
        #else
        #expect(MallocTuning.appliedAtLoad == [])
        #endif
    }

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
