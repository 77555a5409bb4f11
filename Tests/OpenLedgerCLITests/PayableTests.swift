import Foundation
import OpenLedgerKit
import Testing

/// End to end, the money path of issue 16 with the built binary: payout addresses, an
/// operator's signed inference log, v2 manifests, and the calldata a wallet sends; and each
/// bad input the issue names, with its exit status and nothing written.
@Suite struct PayableTests {
  static let bobsWallet = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
  static let carolsWallet = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"

  let sandbox: Sandbox

  /// `trees`: alice owns and curates it, bob and carol contributed, `op` is its model operator.
  init() throws {
    sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob", "carol", "op"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text",
    ])
    for (name, texts) in [
      ("bob", RewardsCommandTests.bobTexts), ("carol", RewardsCommandTests.carolTexts),
    ] {
      try sandbox.contributeAccepted(texts, to: "trees", by: name, curator: "alice")
    }
    try sandbox.ok(["index", "build", "trees"])
    try sandbox.write("log.jsonl", RewardsCommandTests.log)
    try sandbox.ok(["datanet", "update", "trees", "--as", "alice", "--add-operator", "op"])
  }

  func events() throws -> Int {
    try sandbox.ok(["log", "trees", "--format", "json"]).components(separatedBy: "\"type\"").count
      - 1
  }

  func account(_ name: String) throws -> String {
    let shown = try #require(
      try decodeJSON(try sandbox.ok(["identity", "show", name, "--format", "json"]))
        as? [String: Any])
    return try #require(shown["account"] as? String)
  }

  @Test func aBadChecksumIsRefusedSayingToCopyTheAddressAgain() throws {
    let before = try events()
    // The last letter's case flipped.
    let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
    let refused = try sandbox.run(["payout", "set", "trees", "--address", typo, "--as", "bob"])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("\(typo) fails its EIP-55 checksum"))
    #expect(refused.stderr.contains("Copy the address again from your wallet"))
    #expect(refused.stdout.isEmpty)
    #expect(try events() == before)
  }

  @Test func anAddressWithoutAChecksumNeedsConsent() throws {
    let lower = Self.bobsWallet.lowercased()
    let refused = try sandbox.run(["payout", "set", "trees", "--address", lower, "--as", "bob"])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("carries no EIP-55 checksum"))
    #expect(refused.stderr.contains("--unchecked-address"))
    let accepted = try sandbox.ok([
      "payout", "set", "trees", "--address", lower, "--unchecked-address", "--as", "bob",
    ])
    // Shown in the checksummed form.
    #expect(accepted.contains(Self.bobsWallet))
    let malformed = try sandbox.run([
      "payout", "set", "trees", "--address", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "--as",
      "bob",
    ])
    #expect(malformed.status == 65)
    #expect(malformed.stderr.contains("not an EVM address"))
  }

  @Test func settingAnotherAccountsPayoutIsDenied() throws {
    let before = try events()
    let refused = try sandbox.run([
      "payout", "set", "trees", "--address", Self.bobsWallet, "--account", "carol", "--as", "bob",
    ])
    #expect(refused.status == 77)
    #expect(refused.stderr.contains("only an account itself may set its payout address"))
    #expect(try events() == before)
    // Naming one's own account is fine.
    try sandbox.ok([
      "payout", "set", "trees", "--address", Self.bobsWallet, "--account", "bob", "--as", "bob",
    ])
    #expect(try events() == before + 1)
  }

  @Test func payoutShowListsRolesEarningsAddressesAndWhoHasNone() throws {
    try sandbox.ok(["payout", "set", "trees", "--address", Self.bobsWallet, "--as", "bob"])
    try sandbox.ok([
      "payout", "set", "trees", "--address", Self.carolsWallet, "--chain-id", "10", "--as",
      "carol",
    ])
    try sandbox.ok(["payout", "set", "trees", "--address", Self.carolsWallet, "--as", "bob"])
    let json = try #require(
      try decodeJSON(try sandbox.ok(["payout", "show", "trees", "--format", "json"]))
        as? [[String: Any]])
    let byAccount = Dictionary(uniqueKeysWithValues: json.map { ($0["account"] as! String, $0) })
    let bob = try #require(byAccount[try account("bob")])
    // The latest set wins.
    #expect(
      (bob["payout"] as? [String: Any])?["address"] as? String == Self.carolsWallet.lowercased())
    #expect(bob["roles"] as? [String] == ["contributor"])
    #expect(
      (byAccount[try account("carol")]?["payout"] as? [String: Any])?["chainId"] as? Int == 10)
    #expect(byAccount[try account("alice")]?["payout"] == nil)
    #expect(
      byAccount[try account("alice")]?["roles"] as? [String] == [
        "owner", "curator", "protocol", "unattributed",
      ])
    #expect(byAccount[try account("op")]?["roles"] as? [String] == ["operator"])
    let text = try sandbox.ok(["payout", "show", "trees"])
    #expect(text.contains(Self.carolsWallet))
    let without = try #require(
      text.split(separator: "\n").first { $0.hasPrefix("Without a payout address") })
    #expect(without.contains("alice ("))
    // An operator owes fees; it is not paid for operating, so it needs no address.
    #expect(!without.contains("op ("))
    let one = try sandbox.ok(["payout", "show", "trees", "--account", "carol"])
    #expect(!one.contains("bob ("))
  }

  @Test func underThePolicyAnUnsignedLogIsRefused() throws {
    try sandbox.ok(["datanet", "update", "trees", "--as", "alice", "--require-signed-log"])
    let refused = try sandbox.run([
      "rewards", "compute", "trees", "--inferences", "log.jsonl", "--as", "alice",
    ])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("requires every inference log to be signed"))
    #expect(refused.stderr.contains("rewards sign-log trees"))
    #expect(try sandbox.run(["rewards", "show", "trees"]).status == 66)
    // --allow-unsigned-log lifts it.
    try sandbox.ok(["datanet", "update", "trees", "--as", "alice", "--allow-unsigned-log"])
    try sandbox.ok(["rewards", "compute", "trees", "--inferences", "log.jsonl", "--as", "alice"])
  }

  @Test func aLogSignedByANonOperatorIsDenied() throws {
    try sandbox.ok(["datanet", "update", "trees", "--as", "alice", "--require-signed-log"])
    // bob cannot sign at all...
    let signing = try sandbox.run([
      "rewards", "sign-log", "trees", "log.jsonl", "--as", "bob", "--out", "bob.sig",
    ])
    #expect(signing.status == 77)
    #expect(signing.stderr.contains("only its model operators may"))
    #expect(!FileManager.default.fileExists(atPath: "\(sandbox.work)/bob.sig"))
    // ...and a log he signed while he was an operator is refused once he is not.
    try sandbox.ok(["datanet", "update", "trees", "--as", "alice", "--add-operator", "bob"])
    try sandbox.ok(["rewards", "sign-log", "trees", "log.jsonl", "--as", "bob", "--out", "bob.sig"])
    try sandbox.ok(["datanet", "update", "trees", "--as", "alice", "--remove-operator", "bob"])
    let before = try events()
    let refused = try sandbox.run([
      "rewards", "compute", "trees", "--inferences", "log.jsonl", "--signed-log", "bob.sig",
      "--as", "alice",
    ])
    #expect(refused.status == 77)
    #expect(refused.stderr.contains("may not sign the inference logs that pay 'trees'"))
    #expect(try events() == before)
    // Only the owner registers operators.
    let notOwner = try sandbox.run([
      "datanet", "update", "trees", "--as", "bob", "--add-operator", "bob",
    ])
    #expect(notOwner.status == 77)
  }

  @Test func aSignatureOfAnotherLogIsBadInput() throws {
    try sandbox.write("other.jsonl", #"{"id":"z1","output":"x","fee":"5"}"# + "\n")
    try sandbox.ok([
      "rewards", "sign-log", "trees", "other.jsonl", "--as", "op", "--out", "other.sig",
    ])
    let refused = try sandbox.run([
      "rewards", "compute", "trees", "--inferences", "log.jsonl", "--signed-log", "other.sig",
      "--as", "alice",
    ])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("is not a signature of"))
    // A damaged envelope is bad input too.
    try sandbox.write("broken.sig", "{\"payload\":\"e30=\"}")
    let broken = try sandbox.run([
      "rewards", "compute", "trees", "--inferences", "log.jsonl", "--signed-log", "broken.sig",
      "--as", "alice",
    ])
    #expect(broken.status == 65)
    #expect(broken.stderr.contains("broken.sig is not a signed inference log"))
  }

  /// The whole path: addresses set, the operator signs (to stdout, redirected), the curator
  /// computes, exports, verifies (also with Python), and prints the root's and the claims'
  /// calldata; an account without an address gets none, and is told to run `payout set`.
  @Test func fromASignedLogToCalldata() throws {
    try sandbox.ok(["payout", "set", "trees", "--address", Self.bobsWallet, "--as", "bob"])
    let signature = try sandbox.ok(["rewards", "sign-log", "trees", "log.jsonl", "--as", "op"])
    try sandbox.write("log.sig", signature)
    let computed = try sandbox.run([
      "rewards", "compute", "trees", "--inferences", "log.jsonl", "--signed-log", "log.sig",
      "--as", "alice",
    ])
    #expect(computed.status == 0, "\(computed.stderr)")
    #expect(computed.stdout.contains("operator op ("))
    #expect(computed.stdout.contains("owes 0.0000000000035001 OPEN"), "\(computed.stdout)")
    #expect(computed.stderr.contains("have no payout address"))
    try sandbox.ok(["manifest", "export", "trees", "--out", "out"])
    let verified = try sandbox.run(["manifest", "verify", "out/manifest.json", "--recompute"])
    #expect(verified.status == 0, "\(verified.stdout)")

    let manifest = try RewardsManifest.load(path: "\(sandbox.work)/out/manifest.json")
    #expect(manifest.leafFormat == .v2)
    let predicate = manifest.predicate
    #expect(
      Set((predicate.withoutPayoutAddress ?? []).map(\.hex)) == [
        try account("alice"), try account("carol"),
      ])
    #expect(predicate.operators?.map(\.account.hex) == [try account("op")])
    #expect(predicate.operators?.first?.owes.value == 3_500_100)

    let proof = try #require(
      try decodeJSON(try sandbox.ok(["manifest", "proof", "out/manifest.json", "bob"]))
        as? [String: Any])
    #expect(proof["recipient"] as? String == Self.bobsWallet.lowercased())
    let calldata = try sandbox.ok([
      "manifest", "proof", "out/manifest.json", "bob", "--format", "calldata",
    ]).trimmingCharacters(in: .newlines)
    let proofHashes = try #require(proof["proof"] as? [String])
    #expect(
      calldata
        == "0xa7ed1ea0" + (try account("bob")) + String(repeating: "0", count: 24)
        + Self.bobsWallet.lowercased().dropFirst(2)
        + String(format: "%064llx", UInt64(proof["cumulative"] as! String)!)
        + String(format: "%064x", 0x80) + String(format: "%064x", proofHashes.count)
        + proofHashes.joined())

    let root = try sandbox.ok([
      "manifest", "publish-root", "out/manifest.json", "--format", "calldata",
    ]).trimmingCharacters(in: .newlines)
    #expect(
      root
        == "0x69e2ff55" + predicate.merkleRoot.hex + String(format: "%064x", 1) + manifest.id.hex)
    let rootJSON = try #require(
      try decodeJSON(
        try sandbox.ok(["manifest", "publish-root", "out/manifest.json", "--format", "json"]))
        as? [String: Any])
    #expect(rootJSON["calldata"] as? String == root)

    // carol set no address: her leaf pays the zero address, and has no calldata.
    let refused = try sandbox.run([
      "manifest", "proof", "out/manifest.json", "carol", "--format", "calldata",
    ])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("had no payout address"))
    #expect(refused.stderr.contains("openledger payout set trees --address"))
    #expect(refused.stdout.isEmpty)

    // The Python verifier checks a v2 proof and the whole v2 tree.
    guard let python = ManifestCommandTests.python else { return }
    try sandbox.write(
      "proof.json", try sandbox.ok(["manifest", "proof", "out/manifest.json", "bob"]))
    let checked = try ManifestCommandTests.runVerifier(
      python,
      ["proof.json", "--manifest", "out/manifest.json", "--leaves", "out/leaves.jsonl"],
      in: sandbox)
    #expect(checked.status == 0, "\(checked.stderr)")
    #expect(checked.stdout.contains("paid to \(Self.bobsWallet.lowercased())"))
    // A proof moved to another recipient fails there too.
    try sandbox.write(
      "moved.json",
      try sandbox.ok(["manifest", "proof", "out/manifest.json", "bob"]).replacingOccurrences(
        of: Self.bobsWallet.lowercased(), with: Self.carolsWallet.lowercased()))
    let moved = try ManifestCommandTests.runVerifier(python, ["moved.json"], in: sandbox)
    #expect(moved.status == 1)
  }

  /// Calldata needs v2 leaves: a v1 manifest (an older epoch) has no recipients to pay.
  @Test func aV1ManifestHasNoCalldata() throws {
    let alice = try IdentityStore(directory: "\(sandbox.root)/config/openledger/identities")
      .load(name: "alice")
    let datanet = try #require(
      Digest(
        hex: (try decodeJSON(try sandbox.ok(["datanet", "show", "trees", "--format", "json"]))
          as? [String: Any])?["id"] as? String ?? ""))
    let leaves = try RewardLeaves(
      datanet: datanet, epoch: 1, cumulative: [alice.account: 5])
    let policy = RewardPolicy(
      basisPoints: RewardPolicy.defaultBasisPoints, curators: [alice.account],
      protocolAccount: alice.account, unattributedAccount: alice.account)
    let bundle = try ManifestBundle.build(
      ManifestContents(
        datanet: datanet, epoch: 1, ledgerHeads: [datanet], indexSegments: [],
        attribution: AttributionSettings(),
        inferenceLog: .init(sha256: Digest.of(Data("log".utf8)), inferences: 1), policy: policy,
        token: .standard, epochFees: 5, previousCumulative: 0, previousManifest: nil),
      leaves: leaves, by: alice)
    try bundle.write(to: "\(sandbox.work)/v1", previousEnvelope: nil)
    #expect(bundle.manifest.leafFormat == .v1)
    // The manifest is sound; only the store's ledger lacks its epoch (it was never recorded).
    let report = try #require(
      try decodeJSON(
        try sandbox.run(["manifest", "verify", "v1/manifest.json", "--format", "json"]).stdout)
        as? [String: Any])
    let failed = ((report["checks"] as? [[String: Any]]) ?? [])
      .filter { $0["status"] as? String == "failed" }.map { $0["check"] as? String }
    #expect(failed == ["ledger"])
    for arguments in [
      ["manifest", "proof", "v1/manifest.json", "alice", "--format", "calldata"],
      ["manifest", "publish-root", "v1/manifest.json", "--format", "calldata"],
    ] {
      let refused = try sandbox.run(arguments)
      #expect(refused.status == 65, "\(arguments)")
      #expect(refused.stderr.contains("leaf format v1"))
    }
  }
}
