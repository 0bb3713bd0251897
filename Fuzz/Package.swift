// swift-tools-version:6.2
// The fuzz targets: one libFuzzer executable per parser of the service. A separate
// package, so that the main build never sees them; scripts/fuzz.sh builds it with
// AddressSanitizer and libFuzzer into ../.build-fuzz and runs each target on its
// corpus (Fuzz/<target>/corpus). Built without those flags, each target is a corpus
// replayer: `FuzzX file...` runs the inputs once each.
import PackageDescription

let package = Package(
    name: "superset-websocket-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "superset-websocket", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver.
        .target(name: "CLibFuzzer"),
        // The entry point shared by every target: libFuzzer's driver, or a corpus replayer.
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        .executableTarget(name: "FuzzHTTPHead", dependencies: [
            "FuzzSupport",
            .product(name: "FuzzedModules", package: "superset-websocket"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "FuzzCookieHeader", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
        .executableTarget(name: "FuzzJWT", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
        .executableTarget(name: "FuzzLastID", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
        .executableTarget(name: "FuzzEventEncoder", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
        .executableTarget(name: "FuzzRESP", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
        .executableTarget(name: "FuzzIPCFrame", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
        .executableTarget(name: "FuzzRealtimeEnvelope", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
        .executableTarget(name: "FuzzConfig", dependencies: [
            "FuzzSupport", .product(name: "FuzzedModules", package: "superset-websocket"),
        ]),
    ]
)
