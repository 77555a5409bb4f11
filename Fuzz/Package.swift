// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for every reader of untrusted bytes in OpenLedgerKit (README.md here).
///
/// A package of its own, so that `swift build` and `swift test` at the root never build it: it
/// only builds with libFuzzer and AddressSanitizer, with the flags `run.sh` (and `make fuzz`)
/// passes. The targets reach internal API with `@testable import`, so it also passes
/// `-enable-testing`.
let targets = [
  "archive", "canonical-json", "event-envelope", "event-payload", "http-index", "index-segment",
  "ingest", "leaves", "manifest", "near-duplicate-segment", "records", "remote-head-file",
  "remote-pack", "s3-listing", "shard",
]

let package = Package(
  name: "openledger-fuzz",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "openledger", path: ".."),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    .target(
      name: "FuzzSupport",
      dependencies: [
        .product(name: "OpenLedgerKit", package: "openledger"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    )
  ]
    + targets.map { name in
      .executableTarget(
        name: "fuzz-\(name)",
        dependencies: ["FuzzSupport", .product(name: "OpenLedgerKit", package: "openledger")]
      )
    }
)
