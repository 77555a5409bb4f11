// swift-tools-version:6.1
import PackageDescription

/// Benchmarks live in their own package so that `swift build` and `swift test` at the root never
/// build them; `fingerprint.sh` builds this package in release and runs it.
let package = Package(
  name: "openledger-benchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "openledger", path: ".."),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .executableTarget(
      name: "fingerprint-bench",
      dependencies: [
        .product(name: "OpenLedgerKit", package: "openledger"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "attribution-bench",
      dependencies: [
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
