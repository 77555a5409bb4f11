import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of `manifest verify` and `manifest proof` on manifests built with the core,
/// and of the Python proof verifier in Examples/.
@Suite struct ManifestCommandTests {
  let sandbox: Sandbox
  let datanet: Digest

  /// A store with Datanet `papers` (owner and curator alice) and identities alice and bob.
  init() throws {
    sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["identity", "new", "bob"])
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice", "--record-format", "jsonl"])
    let shown = try #require(
      try decodeJSON(try sandbox.ok(["datanet", "show", "papers", "--format", "json"]))
        as? [String: Any])
    datanet = try #require(Digest(hex: shown["id"] as? String ?? ""))
  }

  func identity(_ name: String) throws -> Identity {
    try IdentityStore(directory: "\(sandbox.root)/config/openledger/identities").load(name: name)
  }

  /// Exports epoch 1 of a small allocation, signed by `signer`, into `work/out`.
  @discardableResult
  func exportManifest(signedBy signer: String = "alice") throws -> ManifestBundle {
    let alice = try identity("alice").account
    let contributor = try identity("bob").account
    let policy = RewardPolicy(
      basisPoints: RewardPolicy.defaultBasisPoints, curators: [alice], protocolAccount: alice,
      unattributedAccount: alice)
    let allocation = try Allocator(policy: policy).allocate(
      [
        (
          id: "q1", fee: 1_000_000,
          weights: OutputWeights(contributors: [contributor: 7_000_000_000], unattributed: 3)
        )
      ], previous: [:])
    let leaves = try RewardLeaves(datanet: datanet, epoch: 1, cumulative: allocation.cumulative)
    let contents = ManifestContents(
      datanet: datanet, epoch: 1, ledgerHeads: [datanet], indexSegments: [],
      attribution: AttributionSettings(),
      inferenceLog: .init(sha256: Digest.of(Data("log".utf8)), inferences: 1), policy: policy,
      token: .standard, epochFees: allocation.epochFees, previousCumulative: 0,
      previousManifest: nil)
    let bundle = try ManifestBundle.build(contents, leaves: leaves, by: identity(signer))
    try bundle.write(to: "\(sandbox.work)/out", previousEnvelope: nil)
    return bundle
  }

  @Test func verifiesAgainstTheDatanetsCuratorsOrAKeyFile() throws {
    let bundle = try exportManifest()
    // Inside the store that holds the Datanet, whose ledger records no epoch 1: every check
    // passes but the ledger's, which fails (the manifest names an epoch the ledger lacks).
    let inside = try sandbox.run(["manifest", "verify", "out/manifest.json"])
    #expect(inside.status == 1)
    #expect(inside.stderr.contains("failed verification: ledger"), "\(inside.stderr)")
    let text = inside.stdout
    #expect(text.contains("manifest \(bundle.manifest.id.hex)"))
    #expect(text.contains("a curator of papers"))
    #expect(text.contains("the store's ledger of papers lacks epoch 1's rewards.epoch event"))
    #expect(text.contains("NOT verified: ledger failed"), "\(text)")

    let json = try #require(
      try decodeJSON(
        try sandbox.run(["manifest", "verify", "out/manifest.json", "--format", "json"]).stdout)
        as? [String: Any])
    #expect(json["passed"] as? Bool == false)
    let checks = try #require(json["checks"] as? [[String: Any]])
    #expect(
      checks.map { $0["check"] as? String } == [
        "envelope", "signature", "subject", "leaves", "root", "tree", "sum", "chain", "ledger",
      ])
    #expect(
      checks.filter { $0["status"] as? String == "failed" }.map { $0["check"] as? String }
        == ["ledger"])

    // Outside any store, only --key can make it trusted.
    try sandbox.ok(["identity", "export-public", "alice", "--out", "alice.pub.json"])
    let elsewhere = "\(sandbox.root)/elsewhere"
    try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
    let untrusted = try sandbox.run(
      ["manifest", "verify", "\(sandbox.work)/out/manifest.json"], in: elsewhere)
    #expect(untrusted.status == 1)
    #expect(untrusted.stderr.contains("failed verification: signature"))
    #expect(untrusted.stdout.contains("no trusted keys"))
    let keyed = try sandbox.run(
      [
        "manifest", "verify", "\(sandbox.work)/out/manifest.json", "--key",
        "\(sandbox.work)/alice.pub.json",
      ], in: elsewhere)
    #expect(keyed.status == 0, "\(keyed.stderr)")
    // No store holds the Datanet there: the ledger check is skipped.
    #expect(keyed.stdout.contains("skipped  ledger"), "\(keyed.stdout)")
  }

  @Test func aManifestSignedByANonCuratorFails() throws {
    try exportManifest(signedBy: "bob")
    let result = try sandbox.run(["manifest", "verify", "out/manifest.json"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("out/manifest.json failed verification: signature"))
    #expect(
      result.stdout.split(separator: "\n").contains {
        $0.hasPrefix("FAILED") && $0.contains(" signature ")
      }, "\(result.stdout)")
  }

  @Test func tamperingIsCaughtAndNamed() throws {
    try exportManifest()
    let leavesPath = "\(sandbox.work)/out/leaves.jsonl"
    let original = try Data(contentsOf: URL(fileURLWithPath: leavesPath))
    var text = String(decoding: original, as: UTF8.self)
    text = text.replacingOccurrences(of: #""cumulative":"800000""#, with: #""cumulative":"800001""#)
    #expect(text.utf8.count == original.count)
    try Data(text.utf8).write(to: URL(fileURLWithPath: leavesPath))
    let changed = try sandbox.run(["manifest", "verify", "out/manifest.json"])
    #expect(changed.status == 1)
    #expect(changed.stderr.contains("subject"))
    #expect(changed.stderr.contains("sum"))
  }

  @Test func proofsArePrintedAndCheckedByPython() throws {
    let bundle = try exportManifest()
    let proofText = try sandbox.ok(["manifest", "proof", "out/manifest.json", "bob"])
    let proof = try #require(try decodeJSON(proofText) as? [String: Any])
    #expect(proof["account"] as? String == (try identity("bob").account.hex))
    #expect(proof["root"] as? String == bundle.predicate.merkleRoot.hex)
    #expect(proof["manifest"] as? String == bundle.manifest.id.hex)
    #expect(proof["cumulative"] as? String == "800000")
    try sandbox.write("proof.json", proofText)

    let unknown = try sandbox.run([
      "manifest", "proof", "out/manifest.json", String(repeating: "ab", count: 32),
    ])
    #expect(unknown.status == 66)
    #expect(unknown.stderr.contains("has no leaf in manifest"))
    let noName = try sandbox.run(["manifest", "proof", "out/manifest.json", "carol"])
    #expect(noName.status == 66)

    guard let python = Self.python else { return }
    let checked = try runPython(
      python,
      ["proof.json", "--manifest", "out/manifest.json", "--leaves", "out/leaves.jsonl"])
    #expect(checked.status == 0, "\(checked.stderr)")
    #expect(checked.stdout.hasPrefix("ok: account "))
    #expect(checked.stdout.contains("leaves rebuild the root"))

    // A proof for another amount, or another manifest, is refused.
    let inflated = proofText.replacingOccurrences(of: "\"800000\"", with: "\"800001\"")
    try sandbox.write("inflated.json", inflated)
    let refused = try runPython(python, ["inflated.json"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("FAILED: the leaf of these fields"))
    try sandbox.write("other.json", #"{"payload":"","payloadType":"x","signatures":[]}"#)
    let otherManifest = try runPython(python, ["proof.json", "--manifest", "other.json"])
    #expect(otherManifest.status == 1)
  }

  /// The Python verifier rebuilds roots for every tree size, odd counts and one leaf included.
  @Test(arguments: [1, 2, 3, 5, 8, 13])
  func pythonAgreesOnEveryTreeShape(_ count: Int) throws {
    guard let python = Self.python else { return }
    let signer = try identity("alice")
    var cumulative = [AccountID: TokenAmount]()
    var rng = SplitMix64(seed: UInt64(count))
    for _ in 0..<count {
      let bytes = (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      cumulative[AccountID(hex: Hex.encode(bytes))!] = TokenAmount(rng.next()) << 40
    }
    let total = cumulative.values.reduce(0, +)
    let leaves = try RewardLeaves(datanet: datanet, epoch: 7, cumulative: cumulative)
    let policy = RewardPolicy(
      basisPoints: RewardPolicy.defaultBasisPoints, curators: [signer.account],
      protocolAccount: signer.account, unattributedAccount: signer.account)
    let contents = ManifestContents(
      datanet: datanet, epoch: 7, ledgerHeads: [], indexSegments: [],
      attribution: AttributionSettings(),
      inferenceLog: .init(sha256: datanet, inferences: 1), policy: policy, token: .standard,
      epochFees: total, previousCumulative: 0, previousManifest: nil)
    let bundle = try ManifestBundle.build(contents, leaves: leaves, by: signer)
    try bundle.write(to: "\(sandbox.work)/out", previousEnvelope: nil)
    for index in 0..<leaves.count {
      let holder = leaves.account(at: index).hex
      try sandbox.write(
        "proof.json", try sandbox.ok(["manifest", "proof", "out/manifest.json", holder]))
      let checked = try runPython(
        python, ["proof.json", "--manifest", "out/manifest.json", "--leaves", "out/leaves.jsonl"])
      #expect(checked.status == 0, "n=\(count) leaf \(index): \(checked.stderr)")
    }
  }

  static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  static let verifier = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Examples/verify_proof.py").path

  func runPython(_ python: String, _ arguments: [String]) throws -> RunResult {
    try Self.runVerifier(python, arguments, in: sandbox)
  }

  /// Runs Examples/verify_proof.py with `python` in `sandbox`'s working directory.
  static func runVerifier(_ python: String, _ arguments: [String], in sandbox: Sandbox) throws
    -> RunResult
  {
    try runProcess(python, [verifier] + arguments, in: sandbox.work)
  }
}
