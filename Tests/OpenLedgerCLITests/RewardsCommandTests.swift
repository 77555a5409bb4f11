import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of `rewards compute|show` and `manifest export|verify|proof` on a store:
/// bob and carol contribute to `trees`, alice curates it, outputs copy their sentences.
@Suite struct RewardsCommandTests {
  static let bobTexts = [
    "The plane trees along the river shed their bark in long pale strips during the dry weeks of August.",
    "Lindens by the school flowered early this year, and the bees were loud around them for a whole week.",
  ]
  static let carolTexts = [
    "A young maple planted in spring did not survive the heat wave despite the daily watering by neighbours."
  ]
  static let log = """
    {"id":"q1","output":"As they say, the plane trees along the river shed their bark in long pale strips during the dry weeks of August.","fee":"1000000"}
    {"id":"q2","output":"A young maple planted in spring did not survive the heat wave despite the daily watering, sadly.","fee":"2500000"}
    {"id":"q3","output":"Nothing here comes from the Datanet at all.","fee":"100"}

    """

  /// The next period's inferences: the same outputs again, one unit dearer each.
  static let secondLog = """
    {"id":"r1","output":"As they say, the plane trees along the river shed their bark in long pale strips during the dry weeks of August.","fee":"1000001"}
    {"id":"r2","output":"A young maple planted in spring did not survive the heat wave despite the daily watering, sadly.","fee":"2500000"}
    {"id":"r3","output":"Nothing here comes from the Datanet at all.","fee":"100"}

    """

  let sandbox: Sandbox

  init() throws {
    sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob", "carol"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text",
    ])
    for (name, texts) in [("bob", Self.bobTexts), ("carol", Self.carolTexts)] {
      try sandbox.contributeAccepted(texts, to: "trees", by: name, curator: "alice")
    }
    try sandbox.ok(["index", "build", "trees"])
    try sandbox.write("log.jsonl", Self.log)
  }

  func account(_ name: String) throws -> String {
    let shown = try #require(
      try decodeJSON(try sandbox.ok(["identity", "show", name, "--format", "json"]))
        as? [String: Any])
    return try #require(shown["account"] as? String)
  }

  func compute(_ extra: [String] = [], log: String = "log.jsonl") throws -> RunResult {
    try sandbox.run(["rewards", "compute", "trees", "--inferences", log, "--as", "alice"] + extra)
  }

  func objectCount() throws -> Int {
    var malformed = [String]()
    return try ObjectStore(root: "\(sandbox.store)/objects/sha256", staging: "\(sandbox.store)/tmp")
      .allObjects(malformed: &malformed).count
  }

  @Test func computeShowExportVerifyAndProve() throws {
    let computed = try compute(["--format", "json"])
    #expect(computed.status == 0, "\(computed.stderr)")
    let report = try #require(try decodeJSON(computed.stdout) as? [String: Any])
    let epoch = try #require(report["epoch"] as? [String: Any])
    #expect(epoch["epoch"] as? Int == 1)
    #expect(epoch["fees"] as? String == "3500100")
    let accounts = try #require(report["accounts"] as? [[String: Any]])
    let amounts = Dictionary(
      uniqueKeysWithValues: accounts.map { ($0["account"] as! String, $0["amount"] as! String) })
    #expect(amounts.values.map { Int($0)! }.reduce(0, +) == 3_500_100)
    #expect(Set(amounts.keys) == [try account("alice"), try account("bob"), try account("carol")])

    let shown = try sandbox.ok(["rewards", "show", "trees"])
    #expect(shown.contains("Epoch 1 of trees"))
    #expect(shown.contains("PAID BY"))
    #expect(shown.contains("q1, q2, q3"))
    let bob = try sandbox.ok(["rewards", "show", "trees", "--account", "bob"])
    // Amounts in whole tokens (the default token has 18 decimals): 1000000 is 10^-12 OPEN.
    #expect(bob.contains("q1         1     0.000000000001 OPEN"), "\(bob)")
    #expect(!bob.contains("q2 "))
    let json = try #require(
      try decodeJSON(try sandbox.ok(["rewards", "show", "trees", "--format", "json"]))
        as? [String: Any])
    let paidBy = try #require(json["paidBy"] as? [String: [[String: Any]]])
    #expect(paidBy[try account("carol")]?.map { $0["inference"] as? String } == ["q2"])
    #expect((paidBy[try account("bob")]?.first?["weight"] as? Int ?? 0) > 0)

    let exported = try sandbox.ok(["manifest", "export", "trees", "--out", "out"])
    #expect(exported.contains("manifest.json, leaves.jsonl, tree.bin"))
    let verified = try sandbox.run(["manifest", "verify", "out/manifest.json", "--recompute"])
    #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    #expect(verified.stdout.contains("passed  recompute"))
    #expect(verified.stdout.contains("a curator of trees"))

    let proof = try sandbox.ok(["manifest", "proof", "out/manifest.json", "bob"])
    try sandbox.write("proof.json", proof)
    let parsed = try #require(try decodeJSON(proof) as? [String: Any])
    #expect(parsed["cumulative"] as? String == amounts[try account("bob")])
    guard let python = ManifestCommandTests.python else { return }
    let checked = try ManifestCommandTests.runVerifier(
      python, ["proof.json", "--manifest", "out/manifest.json", "--leaves", "out/leaves.jsonl"],
      in: sandbox)
    #expect(checked.status == 0, "\(checked.stderr)")
  }

  @Test func epochsChainAndAreNeverReused() throws {
    #expect(try compute().status == 0)
    let reused = try compute(["--epoch", "1"])
    #expect(reused.status == 73)
    #expect(reused.stderr.contains("epoch 1 of trees exists already"))
    let skipped = try compute(["--epoch", "3"])
    #expect(skipped.status == 64)
    #expect(skipped.stderr.contains("the next is 2"))
    try sandbox.write("log2.jsonl", Self.secondLog)
    #expect(try compute(["--epoch", "2"], log: "log2.jsonl").status == 0)

    try sandbox.ok(["manifest", "export", "trees", "--out", "e2"])
    #expect(FileManager.default.fileExists(atPath: "\(sandbox.work)/e2/previous-manifest.json"))
    let second = try sandbox.run(["manifest", "verify", "e2/manifest.json", "--recompute"])
    #expect(second.status == 0, "\(second.stdout)")
    #expect(second.stdout.contains("follows epoch 1"))
    // Inside the store the chain check also finds the previous leaves: when only the leaves
    // are missing beside the previous envelope, and when both are.
    try FileManager.default.removeItem(atPath: "\(sandbox.work)/e2/previous-leaves.jsonl")
    let leavesFromStore = try sandbox.ok(["manifest", "verify", "e2/manifest.json"])
    #expect(leavesFromStore.contains("no account's cumulative amount went down"))
    try FileManager.default.removeItem(atPath: "\(sandbox.work)/e2/previous-manifest.json")
    let fromStore = try sandbox.ok(["manifest", "verify", "e2/manifest.json"])
    #expect(fromStore.contains("no account's cumulative amount went down"))
    let first = try sandbox.ok(["manifest", "export", "trees", "--epoch", "1", "--out", "e1"])
    #expect(first.contains("Exported epoch 1"))
    let shown = try sandbox.ok(["rewards", "show", "trees"])
    #expect(shown.contains("cumulative 0.000000000007000201 OPEN"), "\(shown)")
    let log = try sandbox.ok(["log", "trees"])
    #expect(log.contains("rewards epoch 2"))
  }

  @Test func onlyCuratorsComputeAndRefusalsWriteNothing() throws {
    let before = try objectCount()
    let refused = try sandbox.run([
      "rewards", "compute", "trees", "--inferences", "log.jsonl", "--as", "bob",
    ])
    #expect(refused.status == 77)
    #expect(refused.stderr.contains("may not compute reward epochs of 'trees'"))
    #expect(try objectCount() == before)
    #expect(!(try sandbox.ok(["log", "trees"])).contains("rewards.epoch"))
    let none = try sandbox.run(["rewards", "show", "trees"])
    #expect(none.status == 66)
    #expect(none.stderr.contains("no reward epochs yet"))
  }

  @Test(arguments: [
    (#"{"id":"a","output":"x","fee":"1"}"# + "\n" + #"{"id":"b","output":"x""# + "\n", "line 2"),
    (#"{"id":"a","output":"x","fee":"-5"}"# + "\n", "line 1"),
    (#"{"id":"a","output":"x","fee":"1.5"}"# + "\n", "line 1"),
    (#"{"id":"a","output":"x","fee":"ten"}"# + "\n", "line 1"),
    (#"{"id":"a","output":"x","fee":10}"# + "\n", "line 1"),
    ("\n\n", "holds no inferences"),
  ])
  func badLogsAreRefusedWithTheirLine(_ log: String, _ expected: String) throws {
    try sandbox.write("bad.jsonl", log)
    let before = try objectCount()
    let result = try compute(log: "bad.jsonl")
    #expect(result.status == 65, "\(result.stderr)")
    #expect(result.stderr.contains("bad.jsonl"))
    #expect(result.stderr.contains(expected))
    #expect(try objectCount() == before)
  }

  @Test func policiesComeFromTheDatanetAFileAndFlags() throws {
    try sandbox.write(
      "policy.json", #"{"basisPoints":{"contributors":9000,"curators":500,"protocol":500}}"#)
    try sandbox.ok([
      "datanet", "update", "trees", "--rewards-policy", "policy.json", "--as", "alice",
    ])
    #expect(try sandbox.ok(["datanet", "show", "trees"]).contains("contributors 9000"))
    try sandbox.write("flags.json", #"{"token":{"symbol":"USDC","decimals":6}}"#)
    let computed = try compute([
      "--policy", "flags.json", "--protocol-bp", "1000", "--curators-bp", "0",
      "--protocol-account", "carol", "--format", "json",
    ])
    #expect(computed.status == 0, "\(computed.stderr)")
    try sandbox.ok(["manifest", "export", "trees", "--out", "out"])
    let envelope = try #require(
      try decodeJSON(String(contentsOfFile: "\(sandbox.work)/out/manifest.json", encoding: .utf8))
        as? [String: Any])
    let statement = try #require(
      try JSONSerialization.jsonObject(
        with: Data(base64Encoded: envelope["payload"] as! String)!) as? [String: Any])
    let predicate = try #require(statement["predicate"] as? [String: Any])
    let policy = try #require(predicate["policy"] as? [String: Any])
    #expect(
      policy["basisPoints"] as? [String: Int] == [
        "contributors": 9000, "curators": 0, "protocol": 1000,
      ])
    #expect(policy["protocolAccount"] as? String == (try account("carol")))
    #expect((predicate["token"] as? [String: Any])?["symbol"] as? String == "USDC")

    let bad = try compute(["--contributors-bp", "9500"])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("must sum to 10000"))

    try sandbox.write("uneven.json", #"{"basisPoints":{"contributors":9900}}"#)
    let refused = try sandbox.run([
      "datanet", "create", "other", "--as", "alice", "--record-format", "jsonl",
      "--rewards-policy", "uneven.json",
    ])
    #expect(refused.status == 64)
    #expect(refused.stderr.contains("sum to 11900"))
    try sandbox.write("typo.json", #"{"basisPoint":{"contributors":9000}}"#)
    let typo = try sandbox.run([
      "datanet", "update", "trees", "--as", "alice", "--rewards-policy", "typo.json",
    ])
    #expect(typo.status == 65)
    #expect(typo.stderr.contains("typo.json") && typo.stderr.contains("basisPoint"))
  }

  // MARK: Tampering

  /// Exports epoch 1 to `out/`; returns the directory.
  func exported() throws -> String {
    #expect(try compute().status == 0)
    try sandbox.ok(["manifest", "export", "trees", "--out", "out"])
    return "\(sandbox.work)/out"
  }

  func verifyFails(
    naming checks: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation
  )
    throws
  {
    let result = try sandbox.run(["manifest", "verify", "out/manifest.json"])
    #expect(result.status == 1, sourceLocation: sourceLocation)
    for check in checks {
      #expect(
        result.stderr.contains(check), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
      #expect(result.stdout.contains("FAILED  \(check)"), sourceLocation: sourceLocation)
    }
  }

  @Test func oneAmountChanged() throws {
    let directory = try exported()
    let path = "\(directory)/leaves.jsonl"
    var text = try String(contentsOfFile: path, encoding: .utf8)
    let range = try #require(text.range(of: #""cumulative":""#))
    text.insert("1", at: range.upperBound)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    try verifyFails(naming: ["subject", "sum"])
  }

  @Test func oneLeafRemoved() throws {
    let directory = try exported()
    let path = "\(directory)/leaves.jsonl"
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    try (lines.dropLast().joined(separator: "\n") + "\n").write(
      toFile: path, atomically: true, encoding: .utf8)
    try verifyFails(naming: ["subject", "leaves", "root", "sum"])
  }

  @Test func payloadEdited() throws {
    let directory = try exported()
    let path = "\(directory)/manifest.json"
    var envelope = try JSONDecoder().decode(
      Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    var payload = String(decoding: envelope.payloadBytes!, as: UTF8.self)
    payload = payload.replacingOccurrences(of: "\"leafCount\":3", with: "\"leafCount\":4")
    envelope.payload = Data(payload.utf8).base64EncodedString()
    try envelope.encoded().write(to: URL(fileURLWithPath: path))
    try verifyFails(naming: ["signature", "leaves"])
  }

  @Test func signatureReplaced() throws {
    let directory = try exported()
    let path = "\(directory)/manifest.json"
    var envelope = try JSONDecoder().decode(
      Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    let alice = try IdentityStore(directory: "\(sandbox.root)/config/openledger/identities")
      .load(name: "alice")
    envelope.signatures = try Envelope.sign(
      payload: Data("another statement".utf8), type: envelope.payloadType, by: alice
    ).signatures
    try envelope.encoded().write(to: URL(fileURLWithPath: path))
    try verifyFails(naming: ["signature"])
  }

  @Test func signedByAKeyThatIsNotACurator() throws {
    let directory = try exported()
    let path = "\(directory)/manifest.json"
    let envelope = try JSONDecoder().decode(
      Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    let carol = try IdentityStore(directory: "\(sandbox.root)/config/openledger/identities")
      .load(name: "carol")
    let resigned = try Envelope.sign(
      payload: envelope.payloadBytes!, type: envelope.payloadType, by: carol)
    try resigned.encoded().write(to: URL(fileURLWithPath: path))
    try verifyFails(naming: ["signature"])
    let result = try sandbox.run(["manifest", "verify", "out/manifest.json"])
    #expect(result.stdout.contains("not trusted"))
  }

  @Test func recomputeCatchesAnotherLog() throws {
    _ = try exported()
    try sandbox.write(
      "other.jsonl", Self.log.replacingOccurrences(of: "\"1000000\"", with: "\"1000001\""))
    let result = try sandbox.run([
      "manifest", "verify", "out/manifest.json", "--recompute", "--inferences", "other.jsonl",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.contains("failed verification: recompute"))
    #expect(result.stdout.contains("gives different leaves"))
  }

  @Test func recomputeReproducesAnEpochAfterALaterTakedownUntilCompaction() throws {
    _ = try exported()
    // Bob's record that q1 copies is taken down after the epoch: the index masks it at once,
    // but the epoch was computed before, and is re-run as it was.
    let q1 = try #require(Self.log.split(separator: "\n").first)
    let output = try #require(
      (try decodeJSON(String(q1)) as? [String: Any])?["output"] as? String)
    let before = try #require(
      try decodeJSON(try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"]))
        as? [String: Any])
    let attribution = try #require(
      (before["results"] as? [[String: Any]])?.first?["attribution"] as? [String: Any])
    let record = try #require(
      (attribution["records"] as? [[String: Any]])?.first?["record"] as? String)
    try sandbox.ok(["takedown", "trees", "--record", record, "--reason", "asked", "--as", "alice"])
    let masked = try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"])
    #expect(!masked.contains(record))

    let again = try sandbox.run(["manifest", "verify", "out/manifest.json", "--recompute"])
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    #expect(again.stdout.contains("passed  recompute"))

    // Compaction retires the segments the epoch queried: the epoch can no longer be re-run,
    // and verify says why.
    try sandbox.ok(["index", "compact", "trees"])
    let retired = try sandbox.run(["manifest", "verify", "out/manifest.json", "--recompute"])
    #expect(retired.status == 1)
    #expect(retired.stdout.contains("reward epoch 1 queried the attribution index segment"))
    #expect(retired.stdout.contains("`index compact` has retired since"))
    // Without --recompute the manifest still verifies.
    #expect(try sandbox.run(["manifest", "verify", "out/manifest.json"]).status == 0)
  }

  @Test func validateVerifiesEveryManifestInTheStore() throws {
    #expect(try compute().status == 0)
    try sandbox.write("log2.jsonl", Self.secondLog)
    #expect(try compute(log: "log2.jsonl").status == 0)
    let clean = try sandbox.run(["validate", "--datanet", "trees", "--format", "json"])
    #expect(clean.status == 0, "\(clean.stdout)")
    let report = try #require(try decodeJSON(clean.stdout) as? [String: Any])
    let checks = try #require(report["checks"] as? [[String: Any]])
    let manifests = try #require(checks.first { $0["name"] as? String == "manifests trees" })
    #expect(manifests["checked"] as? Int == 2)
    #expect(manifests["passed"] as? Bool == true)

    // Alter the stored leaves of the latest epoch.
    let shown = try #require(
      try decodeJSON(try sandbox.ok(["rewards", "show", "trees", "--format", "json"]))
        as? [String: Any])
    let leaves = try #require((shown["epoch"] as? [String: Any])?["leaves"] as? String)
    let path = "\(sandbox.store)/objects/sha256/\(leaves.prefix(2))/\(leaves.dropFirst(2))"
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    var text = try String(contentsOfFile: path, encoding: .utf8)
    let range = try #require(text.range(of: #""cumulative":""#))
    text.insert("9", at: range.upperBound)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    let tampered = try sandbox.run(["validate", "--datanet", "trees", "--format", "github"])
    #expect(tampered.status == 1)
    #expect(tampered.stdout.contains("manifest-subject"), "\(tampered.stdout)")
    #expect(tampered.stdout.contains("reward epoch 2 of trees"))
  }

  // MARK: Defects found in review

  /// The directory of the one index segment of `trees`.
  func segmentDirectory() throws -> String { try sandbox.segmentDirectory(of: "trees") }

  /// Rewrites a segment's contributors.bin so that bob's records credit carol: the file keeps
  /// its size, so only re-hashing finds the change.
  func redirectBobsRecordsToCarol(in segment: String) throws {
    let path = "\(segment)/contributors.bin"
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let bob = Data(Hex.decode(try account("bob"))!)
    let carol = Data(Hex.decode(try account("carol"))!)
    let range = try #require(bytes.range(of: bob))
    bytes.replaceSubrange(range, with: carol)
    try bytes.write(to: URL(fileURLWithPath: path))
  }

  @Test func anAlteredIndexSegmentPaysNoOne() throws {
    let segment = try segmentDirectory()
    try redirectBobsRecordsToCarol(in: segment)
    let before = try objectCount()
    let refused = try compute()
    #expect(refused.status == 74, "\(refused.stderr)")
    #expect(refused.stderr.contains((segment as NSString).lastPathComponent))
    #expect(refused.stderr.contains("contributors.bin hashes to"))
    #expect(refused.stderr.contains("run `openledger index compact trees`"))
    #expect(try objectCount() == before)
    #expect(try sandbox.run(["rewards", "show", "trees"]).status == 66)
    // Rebuilt from the records, the index pays bob again.
    try sandbox.ok(["index", "compact", "trees"])
    let computed = try compute(["--format", "json"])
    #expect(computed.status == 0, "\(computed.stderr)")
    #expect(computed.stdout.contains(try account("bob")))
  }

  @Test func recomputeRefusesAnAlteredIndexSegment() throws {
    _ = try exported()
    try redirectBobsRecordsToCarol(in: try segmentDirectory())
    let result = try sandbox.run(["manifest", "verify", "out/manifest.json", "--recompute"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("failed verification: recompute"))
    #expect(result.stdout.contains("FAILED  recompute"))
    #expect(result.stdout.contains("does not match its recorded hash"), "\(result.stdout)")
    #expect(result.stdout.contains("index compact trees"))
    // Interactive queries re-hash the tables, contributors.bin among them.
    let query = try sandbox.run(["attribute", "trees", "--text", "x"])
    #expect(query.status == 74)
    #expect(query.stderr.contains("contributors.bin hashes to"))
  }

  /// Replaces the export in `directory` by a forgery signed by alice (a curator) in which
  /// carol holds all of bob's cumulative amount: the root, the sum and the signature are right.
  func forgeMovingBobsAmountToCarol(in directory: String) throws {
    let manifest = try RewardsManifest.load(path: "\(directory)/manifest.json")
    var predicate = manifest.predicate
    let leavesFile = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/leaves.jsonl"))
    let parsed = try RewardLeaves.parse(
      leavesFile, datanet: predicate.datanet, epoch: predicate.epoch, format: manifest.leafFormat)
    var cumulative = parsed.cumulative
    let bob = try #require(AccountID(hex: try account("bob")))
    let carol = try #require(AccountID(hex: try account("carol")))
    let moved = try #require(cumulative[bob])
    #expect(moved > 0)
    cumulative[bob] = 0
    cumulative[carol, default: 0] += moved
    let leaves = try RewardLeaves(
      datanet: predicate.datanet, epoch: predicate.epoch, cumulative: cumulative,
      recipients: parsed.recipientsByAccount)
    predicate.merkleRoot = leaves.tree().root
    predicate.leafCount = leaves.count
    let alice = try IdentityStore(directory: "\(sandbox.root)/config/openledger/identities")
      .load(name: "alice")
    let forged = try RewardsManifest.sign(
      RewardsStatement(
        leavesDigest: Digest.of(leaves.jsonLines()), predicate: predicate,
        format: manifest.leafFormat),
      by: alice)
    try leaves.jsonLines().write(to: URL(fileURLWithPath: "\(directory)/leaves.jsonl"))
    try Data(leaves.tree().nodes).write(to: URL(fileURLWithPath: "\(directory)/tree.bin"))
    try forged.bytes.write(to: URL(fileURLWithPath: "\(directory)/manifest.json"))
  }

  @Test func theChainCatchesAnAmountMovedAwayInAnExportedManifest() throws {
    #expect(try compute().status == 0)
    try sandbox.write("log2.jsonl", Self.secondLog)
    #expect(try compute(log: "log2.jsonl").status == 0)
    let exported = try sandbox.ok(["manifest", "export", "trees", "--out", "e2"])
    #expect(exported.contains("previous-manifest.json, previous-leaves.jsonl"))
    try sandbox.ok(["manifest", "export", "trees", "--epoch", "1", "--out", "e1"])
    let e1 = try Data(contentsOf: URL(fileURLWithPath: "\(sandbox.work)/e1/leaves.jsonl"))
    let shipped = try Data(
      contentsOf: URL(fileURLWithPath: "\(sandbox.work)/e2/previous-leaves.jsonl"))
    #expect(shipped == e1)

    // Verified elsewhere, with only alice's public key: nothing but the export to go on.
    try sandbox.ok(["identity", "export-public", "alice", "--out", "alice.pub.json"])
    let elsewhere = "\(sandbox.root)/elsewhere"
    try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
    func verify(_ envelope: String, _ extra: [String] = []) throws -> RunResult {
      try sandbox.run(
        [
          "manifest", "verify", "\(sandbox.work)/\(envelope)", "--key",
          "\(sandbox.work)/alice.pub.json",
        ]
          + extra, in: elsewhere)
    }
    let genuine = try verify("e2/manifest.json")
    #expect(genuine.status == 0, "\(genuine.stdout)")
    #expect(genuine.stdout.contains("no account's cumulative amount went down"))

    try forgeMovingBobsAmountToCarol(in: "\(sandbox.work)/e2")
    let forged = try verify("e2/manifest.json")
    #expect(forged.status == 1)
    #expect(forged.stderr.contains("failed verification: chain"), "\(forged.stderr)")
    for check in ["signature", "subject", "leaves", "root", "tree", "sum"] {
      #expect(forged.stdout.contains("passed   \(check)"), "\(forged.stdout)")
    }
    // Verified where no store holds the Datanet: the ledger check is skipped.
    #expect(forged.stdout.contains("skipped  ledger"))
    #expect(forged.stdout.contains("cumulative amounts never go down"))
    #expect(forged.stdout.contains(try account("bob")))

    // --previous finds the leaves beside the previous envelope, too.
    for name in [ManifestFiles.previousEnvelope, ManifestFiles.previousLeaves] {
      try FileManager.default.removeItem(atPath: "\(sandbox.work)/e2/\(name)")
    }
    let unchecked = try verify(
      "e2/manifest.json", ["--previous", "\(sandbox.work)/e1/manifest.json"])
    #expect(unchecked.status == 1)
    #expect(unchecked.stdout.contains("cumulative amounts never go down"))

    // Previous leaves that are not the previous manifest's fail the chain.
    try sandbox.ok(["manifest", "export", "trees", "--out", "e3"])
    try Data("{}\n".utf8).write(
      to: URL(fileURLWithPath: "\(sandbox.work)/e3/previous-leaves.jsonl"))
    let swapped = try verify("e3/manifest.json")
    #expect(swapped.status == 1)
    #expect(swapped.stdout.contains("do not match its statement"))
  }

  @Test func aReplacementForARecordedEpochFailsTheLedgerCheck() throws {
    let directory = try exported()
    let genuine = try sandbox.ok(["manifest", "verify", "out/manifest.json"])
    #expect(genuine.contains("passed  ledger"))
    #expect(genuine.contains("the ledger recorded this manifest for epoch 1 of trees"))

    try forgeMovingBobsAmountToCarol(in: directory)
    let result = try sandbox.run(["manifest", "verify", "out/manifest.json"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("failed verification: ledger"), "\(result.stderr)")
    #expect(result.stdout.contains("FAILED  ledger"))
    #expect(result.stdout.contains("a replacement the ledger never recorded"))
    #expect(result.stdout.contains("passed  signature"))
  }

  @Test func theSameInferenceLogIsNeverPaidTwice() throws {
    #expect(try compute().status == 0)
    let before = try objectCount()
    try sandbox.write("copy.jsonl", Self.log)
    for log in ["log.jsonl", "copy.jsonl"] {
      let again = try compute(log: log)
      #expect(again.status == 73, "\(again.stderr)")
      #expect(
        again.stderr.contains("\(log) was paid already, as the inference log of epoch 1 of trees"))
    }
    #expect(try objectCount() == before)
    #expect(!(try sandbox.ok(["log", "trees"])).contains("rewards epoch 2"))
  }

  @Test func manifestExportRefusesADirectoryThatIsNotEmpty() throws {
    #expect(try compute().status == 0)
    try sandbox.write("log2.jsonl", Self.secondLog)
    #expect(try compute(log: "log2.jsonl").status == 0)
    try sandbox.ok(["manifest", "export", "trees", "--out", "out"])
    let again = try sandbox.run(["manifest", "export", "trees", "--epoch", "1", "--out", "out"])
    #expect(again.status == 73)
    #expect(again.stderr.contains("is not empty"))
    try sandbox.write("file", "x")
    #expect(try sandbox.run(["manifest", "export", "trees", "--out", "file"]).status == 73)
    // --force replaces the export, and leaves no stale previous epoch behind.
    try sandbox.ok(["manifest", "export", "trees", "--epoch", "1", "--out", "out", "--force"])
    for name in [ManifestFiles.previousEnvelope, ManifestFiles.previousLeaves] {
      #expect(!FileManager.default.fileExists(atPath: "\(sandbox.work)/out/\(name)"))
    }
    #expect(try sandbox.run(["manifest", "verify", "out/manifest.json"]).status == 0)
  }

  @Test func verifyingAFileThatIsNotThereIsNotFound() throws {
    let missing = try sandbox.run(["manifest", "verify", "nonexist.json"])
    #expect(missing.status == 66)
    #expect(missing.stderr.contains("nonexist.json does not exist"))
    _ = try exported()
    let noPrevious = try sandbox.run([
      "manifest", "verify", "out/manifest.json", "--previous", "gone.json",
    ])
    #expect(noPrevious.status == 66)
    #expect(noPrevious.stderr.contains("gone.json does not exist"))
  }
}
