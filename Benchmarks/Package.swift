// swift-tools-version:6.1
import PackageDescription

/// Benchmarks live in their own package so that `swift build` and `swift test` at the root never
/// build them; the scripts beside it (`run.sh`, `attribution.sh`, `rewards.sh`, `rewards-compute.sh`) build
/// this package in release and run it.
let package = Package(
  name: "openledger-benchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "openledger", path: ".."),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .target(name: "BenchSupport"),
    .executableTarget(
      name: "fingerprint-bench",
      dependencies: [
        "BenchSupport",
        .product(name: "OpenLedgerKit", package: "openledger"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "attribution-bench",
      dependencies: [
        "BenchSupport",
        .product(name: "OpenLedgerKit", package: "openledger"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "rewards-bench",
      dependencies: [
        .product(name: "OpenLedgerKit", package: "openledger"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
  ]
)
