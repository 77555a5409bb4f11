// swift-tools-version:6.1
import PackageDescription

/// Each core subsystem folder opens with a README naming its vocabulary; they are not sources.
/// (A static list: SwiftPM caches the evaluated manifest, so a listing of the folders here would
/// miss a new one until Package.swift itself changed.)
let subsystemReadmes = [
  "Attribution", "Contribution", "Curation", "Datanet", "Fingerprint", "Identity", "Ingest",
  "Ledger", "Maintenance", "Payout", "Remote", "Rewards", "Shard", "Store", "Validation",
].map { "\($0)/README.md" }

let package = Package(
  name: "openledger",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "openledger", targets: ["openledger"]),
    .library(name: "OpenLedgerKit", targets: ["OpenLedgerKit"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CArchive",
      pkgConfig: "libarchive",
      providers: [.apt(["libarchive-dev"])]
    ),
    // zlib, to check gzip trailers (CRC-32 and length), which libarchive reads but never checks
    // (Ingest/README.md).
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    // libcurl, the HTTP client of the S3 and HTTPS remotes (Remote/HTTPSession.swift says why
    // not URLSession).
    .systemLibrary(
      name: "CCurl",
      pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]
    ),
    // MinHash's inner loop in C, once per instruction set, chosen at run time: Swift cannot
    // compile one function for AVX2 and AVX-512 and dispatch on the CPU (Fingerprint/README.md).
    .target(name: "CMinHashKernel"),
    // A prefetch hint for the suffix sorting and token interning loops (Prefetch.h says why).
    .target(name: "CPrefetch"),
    // Writing index segments around the kernel's file cache (DirectIO.h says why).
    .target(name: "CDirectIO"),
    .target(
      name: "OpenLedgerKit",
      dependencies: [
        "CArchive",
        "CCurl",
        "CDirectIO",
        "CMinHashKernel",
        "CPrefetch",
        "CZlib",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ],
      exclude: subsystemReadmes
    ),
    .target(
      name: "OpenLedgerCLI",
      dependencies: [
        "OpenLedgerKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(name: "openledger", dependencies: ["OpenLedgerCLI"]),
    .testTarget(
      name: "OpenLedgerKitTests",
      dependencies: ["OpenLedgerKit", .product(name: "GRDB", package: "GRDB.swift")],
      resources: [.copy("Inputs")]
    ),
    .testTarget(
      name: "OpenLedgerCLITests",
      dependencies: [
        "openledger",
        "OpenLedgerKit",
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      resources: [.copy("Inputs")]
    ),
  ]
)
