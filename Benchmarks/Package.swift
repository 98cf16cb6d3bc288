// swift-tools-version: 6.1
// Micro-benchmarks for Ember's engine, kept in their own package so that the
// benchmark tooling (and its dependencies) never leaks into the server build.
//
//   cd Benchmarks && swift package benchmark
//
// See README.md for running single targets and comparing baselines.
import PackageDescription

// Every benchmark suite links the engine libraries and the Benchmark runtime,
// and is driven by the BenchmarkPlugin build plugin.
func benchmarkTarget(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            "BenchmarkFixtures",
            .product(name: "EmberCore", package: "Ember"),
            .product(name: "Benchmark", package: "benchmark"),
        ],
        path: "Benchmarks/\(name)",
        plugins: [
            .plugin(name: "BenchmarkPlugin", package: "benchmark"),
        ]
    )
}

let package = Package(
    name: "EmberBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency's identity is its directory name, which differs
        // between checkouts and worktrees.
        .package(name: "Ember", path: ".."),
        // jemalloc is not available here; the malloc interposer provides the
        // allocation metrics instead.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1",
                 traits: ["MallocInterposer"]),
    ],
    targets: [
        // Deterministic test data shared by the suites (seeded generator, sample shapes, scrape bodies).
        .target(
            name: "BenchmarkFixtures",
            dependencies: [.product(name: "EmberCore", package: "Ember")]
        ),
        benchmarkTarget("BlockBenchmarks"),
        benchmarkTarget("ChunkBenchmarks"),
        benchmarkTarget("ExpositionBenchmarks"),
        benchmarkTarget("HeadBenchmarks"),
        benchmarkTarget("QueryBenchmarks"),
        benchmarkTarget("RemoteWriteBenchmarks"),
        benchmarkTarget("WALReplayBenchmarks"),
        // One-off measuring tool: head memory and restart time at scale (see its main.swift).
        .executableTarget(
            name: "HeadScale",
            dependencies: [.product(name: "EmberCore", package: "Ember")],
            path: "Tools/HeadScale"
        ),
    ]
)
