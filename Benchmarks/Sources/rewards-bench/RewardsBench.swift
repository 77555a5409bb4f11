import ArgumentParser
import Foundation
import OpenLedgerKit

/// Measures reward manifests: building, exporting and verifying one with many accounts.
/// `Benchmarks/rewards.sh` builds this package in release and runs it.
@main
struct RewardsBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rewards-bench",
    abstract: "Benchmarks openledger's reward manifests.",
    subcommands: [ManifestSpeed.self, VerifyOnly.self]
  )
}

/// Build, export and verify a manifest of N accounts with random cumulative amounts.
struct ManifestSpeed: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "manifest",
    abstract: "Seconds to build, export and verify a manifest of N accounts (median of runs).")

  @Option(help: "How many accounts (leaves).")
  var accounts = 1_000_000

  @Option(help: "How many times to measure; the median is reported.")
  var repeats = 3

  @Option(help: "A scratch directory (default: a new one under /tmp, removed afterwards).")
  var scratch: String?

  func run() throws {
    let directory = scratch ?? NSTemporaryDirectory() + "rewards-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { if scratch == nil { try? FileManager.default.removeItem(atPath: directory) } }
    try? FileManager.default.removeItem(atPath: "\(directory)/identities")
    let identities = IdentityStore(directory: "\(directory)/identities")
    let signer = try identities.create(name: "bench", clock: SystemClock())

    var rng = SplitMix64(seed: 42)
    var cumulative = [AccountID: TokenAmount](minimumCapacity: accounts)
    var total: TokenAmount = 0
    while cumulative.count < accounts {
      var bytes = [UInt8]()
      for _ in 0..<4 { withUnsafeBytes(of: rng.next()) { bytes.append(contentsOf: $0) } }
      let amount = TokenAmount(rng.next() % 1_000_000_000_000_000_000)
      if cumulative.updateValue(amount, forKey: AccountID(hex: Hex.encode(bytes))!) == nil {
        total += amount
      }
    }
    let datanet = Digest.of(Data("benchmark".utf8))
    let policy = RewardPolicy(
      basisPoints: RewardPolicy.defaultBasisPoints, curators: [signer.account],
      protocolAccount: signer.account, unattributedAccount: signer.account)
    let contents = ManifestContents(
      datanet: datanet, epoch: 1, ledgerHeads: [datanet], indexSegments: [],
      attribution: AttributionSettings(),
      inferenceLog: .init(sha256: datanet, inferences: 1), policy: policy, token: .standard,
      epochFees: total, previousCumulative: 0, previousManifest: nil)
    note("\(accounts) accounts; scratch \(directory)")
    // For timing `openledger manifest verify --key` on the export afterwards.
    try CanonicalEncoder.encodePretty(PublicKeyDocument(name: "bench", account: signer.account))
      .write(to: URL(fileURLWithPath: "\(directory)/bench.pub.json"))

    var bundle: ManifestBundle?
    let build = try measure(repeats) {
      let leaves = try RewardLeaves(datanet: datanet, epoch: 1, cumulative: cumulative)
      bundle = try ManifestBundle.build(contents, leaves: leaves, by: signer)
    }
    note("build (hash, sort, tree, leaves.jsonl, sign): \(format(build)) s")
    let built = bundle!
    // What `manifest export` does: read the epoch's objects from the store, each re-hashed
    // against its name, and write them out.
    let objects = ObjectStore(root: "\(directory)/objects", staging: directory)
    let ids = try [built.manifest.bytes, built.leavesFile, Data(built.tree.nodes)].map {
      try objects.put($0)
    }
    let out = "\(directory)/out"
    let export = try measure(repeats) {
      let files = try ids.map { try objects.read($0) }
      try ManifestFiles.write(
        envelope: files[0], leaves: files[1], tree: files[2], previousEnvelope: nil, to: out)
    }
    note("export (read the objects, re-hash, write): \(format(export)) s")
    let verifier = ManifestVerifier(trusted: [signer.account: "bench"])
    var passed = false
    let verify = measure(repeats) {
      passed = verifier.verify(path: "\(out)/manifest.json").passed
    }
    guard passed else { throw ValidationError("the benchmark manifest did not verify") }
    note("verify (every check): \(format(verify)) s; signer \(signer.account.hex)")
    let leavesBytes = built.leavesFile.count
    let result: [String: Any] = [
      "accounts": accounts, "build_s": build, "export_s": export, "verify_s": verify,
      "leaves_jsonl_bytes": leavesBytes, "tree_bin_bytes": built.tree.nodes.count,
      "cores": ProcessInfo.processInfo.activeProcessorCount,
    ]
    let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
  }
}

/// The median wall time of `repeats` runs of `body`, in seconds.
func measure(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
  var times = [Double]()
  for _ in 0..<max(repeats, 1) {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
  return times.sorted()[times.count / 2]
}

func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

func note(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Verifies an exported manifest, for profiling one step alone.
struct VerifyOnly: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify", abstract: "Seconds to verify an exported manifest (median of runs).")

  @Argument(help: "The envelope (manifest.json of an export).")
  var envelope: String

  @Option(help: "The signer's account id.")
  var key: String

  @Option(help: "How many times to measure; the median is reported.")
  var repeats = 3

  func run() throws {
    guard let account = AccountID(hex: key) else { throw ValidationError("--key: not an account") }
    let verifier = ManifestVerifier(trusted: [account: "bench"])
    var report: VerificationReport?
    let seconds = measure(repeats) { report = verifier.verify(path: envelope) }
    note("verify: \(format(seconds)) s, passed: \(report!.passed)")
  }
}
