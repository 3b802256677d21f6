// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "yieldstack",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "yieldstack", targets: ["YieldStackCLI"]),
        .library(name: "YieldStack", targets: ["YieldStack"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "YieldStack",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "YieldStackCLI",
            dependencies: [
                "YieldStack",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/yieldstack"
        ),
        .testTarget(
            name: "YieldStackTests",
            dependencies: [
                "YieldStack",
                "YieldStackCLI",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
