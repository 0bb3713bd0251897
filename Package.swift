// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "superset-websocket",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "superset-websocket", targets: ["superset-websocket"]),
        .executable(name: "loadgen", targets: ["loadgen"]),
        // The parsers, for the fuzz targets in Fuzz/ (a separate package built only by scripts/fuzz.sh).
        .library(name: "FuzzedModules", targets: ["Config", "Events", "IPC", "RedisStreams", "Gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        // System-library shims.
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // Pure modules.
        .target(name: "Config"),
        .target(name: "Events"),
        .target(name: "MonotonicTime"),
        .target(name: "IPC", dependencies: ["MonotonicTime"]),
        .target(name: "ServiceStatus"),
        .target(name: "ServiceLogging", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(name: "ServiceMetrics", dependencies: [
            "IPC",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Control", dependencies: [
            "ServiceStatus", "Config",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // I/O modules.
        .target(name: "RedisStreams", dependencies: [
            "CHiredis", "COpenSSL", "Events", "MonotonicTime",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Atomics", package: "swift-atomics"),
        ]),
        .target(name: "Gateway", dependencies: [
            "Config", "Events", "RedisStreams", "IPC", "ServiceMetrics", "MonotonicTime",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        .target(name: "Supervisor", dependencies: [
            "IPC", "ServiceStatus", "MonotonicTime", "CSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "superset-websocket", dependencies: [
            "Config", "Gateway", "Supervisor", "ServiceStatus", "IPC", "RedisStreams", "Events", "ServiceLogging", "ServiceMetrics", "Control",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test support: a real redis-server launcher and a real WebSocket client.
        .target(name: "TestSupport", dependencies: [
            "Config", "Events", "MonotonicTime", "RedisStreams",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // The chaos test (issue 5): the real service and redis-server under faults.
        .executableTarget(name: "chaos", dependencies: [
            "TestSupport", "Events", "RedisStreams",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // The benchmark suite: load generator, publisher, ceiling server, scenario driver.
        .executableTarget(name: "loadgen", dependencies: [
            "Events", "RedisStreams", "TestSupport", "Control", "MonotonicTime",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "EventsTests", dependencies: ["Events"], resources: [.copy("Fixtures")]),
        .testTarget(name: "IPCTests", dependencies: ["IPC", "MonotonicTime"]),
        .testTarget(name: "ServiceLoggingTests", dependencies: ["ServiceLogging", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "IPC", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ServiceMetricsTests", dependencies: [
            "ServiceMetrics", "IPC",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ControlTests", dependencies: ["Control", "ServiceStatus", "Config", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "RedisStreamsTests", dependencies: [
            "RedisStreams", "TestSupport", "Events", "MonotonicTime",
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GatewayTests", dependencies: [
            "Gateway", "TestSupport", "Config", "Events", "MonotonicTime", "RedisStreams",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Events", "MonotonicTime"]),
        .testTarget(name: "ChaosTests", dependencies: ["TestSupport"]),
        .testTarget(name: "TestSupportTests", dependencies: [
            "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
    ]
)
