// swift-tools-version: 6.3
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Ember",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ember", targets: ["ember"]),
        // Libraries for the benchmark package in Benchmarks/ (and anyone embedding Ember's engine).
        .library(name: "EmberCore", targets: ["MetricModel", "Exposition", "Storage", "TSDB", "PromQL", "RemoteWrite"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The HTTP server pipeline's pieces: HTTPTypes codec and graceful quiescing (extras), TLS (ssl).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // gzip for API responses (Hummingbird has none built in); depends only on NIO and zlib.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Protobuf runtime for Prometheus remote-write bodies; the generated code is committed (no protoc at build time).
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"])]),
        // crypt(3) from libxcrypt, for bcrypt password hashes in --web.config.file.
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
                       providers: [.apt(["libsnappy-dev"])]),
        // glibc's mallopt and malloc_trim: the server's allocator settings, applied at load
        // (EmberServer/MallocTuning.swift).
        .target(name: "CMalloc"),
        .target(name: "MetricModel", swiftSettings: strict),
        .target(name: "Exposition", dependencies: [
            "MetricModel", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Proto/metrics.proto", "Proto/README.md"], swiftSettings: strict),
        .target(name: "Storage", dependencies: ["MetricModel"], swiftSettings: strict),
        .target(name: "CCRC32C"),
        .target(name: "TSDB", dependencies: [
            "Storage", "MetricModel", "CLZ4", "CCRC32C", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "PromQL", dependencies: ["Storage", "MetricModel"], swiftSettings: strict),
        .target(name: "PromQLTest", dependencies: ["PromQL", "Storage", "MetricModel"], swiftSettings: strict),
        .target(name: "Config", dependencies: ["MetricModel", .product(name: "Yams", package: "Yams")],
                swiftSettings: strict),
        .target(name: "Scrape", dependencies: [
            "Config", "Exposition", "Storage", "MetricModel",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "RemoteWrite", dependencies: [
            "Storage", "MetricModel", "CSnappy", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
        ], exclude: ["Proto/remote_write.proto", "Proto/README.md"], swiftSettings: strict),
        .target(name: "WebAPI", dependencies: [
            "PromQL", "Storage", "Scrape", "MetricModel", "Exposition", "CCrypt", "RemoteWrite",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], swiftSettings: strict),
        .target(name: "EmberServer", dependencies: [
            "WebAPI", "RemoteWrite", "Scrape", "TSDB", "PromQL", "Config", "Storage", "CMalloc",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOExtras", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "TSDBTool", dependencies: ["TSDB", "Exposition", "Storage", "MetricModel"], swiftSettings: strict),
        .executableTarget(name: "ember", dependencies: [
            "EmberServer", "Config", "PromQLTest", "TSDBTool",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),

        .testTarget(name: "MetricModelTests", dependencies: ["MetricModel"]),
        .testTarget(name: "ExpositionTests", dependencies: [
            "Exposition", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "TSDBTests", dependencies: ["TSDB", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "Storage", "MetricModel"]),
        .testTarget(name: "PromQLTestTests", dependencies: ["PromQLTest", "PromQL", "Storage", "MetricModel"],
                    exclude: ["corpus-floor.txt"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "TSDBToolTests", dependencies: ["TSDBTool", "TSDB", "Storage", "MetricModel"]),
        .testTarget(name: "ScrapeTests", dependencies: [
            "Scrape", "Storage", "Config", "MetricModel", "Exposition",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "RemoteWriteTests", dependencies: [
            "RemoteWrite", "Storage", "MetricModel", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "WebAPITests", dependencies: [
            "WebAPI", "PromQL", "Storage", "Scrape", "Config", "MetricModel", "RemoteWrite",
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "EmberServerTests", dependencies: [
            "EmberServer", "Config", "WebAPI", "RemoteWrite",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
        ]),
    ]
)
