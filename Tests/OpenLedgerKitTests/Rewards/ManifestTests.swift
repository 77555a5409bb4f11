import Foundation
import Testing

@testable import OpenLedgerKit

/// Builds manifests with the core, exports them, and checks what `ManifestVerifier` finds.
@Suite struct ManifestTests {
  let fixture: Fixture
  let directory: TemporaryDirectory

  init() throws {
    fixture = try Fixture()
    directory = try TemporaryDirectory()
  }

  var trusted: [AccountID: String] { [fixture.alice.account: "alice"] }

  /// Epoch `epoch` of a small allocation, exported to `dir`.
  @discardableResult
  func export(
    epoch: UInt64 = 1, to dir: String, previous: ManifestBundle? = nil, by identity: Identity? = nil
  ) throws -> ManifestBundle {
    let policy = testPolicy(curatorAccounts: [fixture.alice.account])
    let inferences: [(id: String, fee: TokenAmount, weights: OutputWeights)] = [
      ("a", 1_000, OutputWeights(contributors: [account(1): 3, account(2): 1], unattributed: 1)),
      ("b", 777, OutputWeights(contributors: [account(2): 5], unattributed: 0)),
    ]
    let allocation = try Allocator(policy: policy).allocate(
      inferences, previous: previous?.leaves.cumulative ?? [:])
    let leaves = try RewardLeaves(
      datanet: testDatanet, epoch: epoch, cumulative: allocation.cumulative)
    let contents = ManifestContents(
      datanet: testDatanet, epoch: epoch, ledgerHeads: [testDatanet], indexSegments: [testDatanet],
      attribution: AttributionSettings(),
      inferenceLog: .init(sha256: Digest.of(Data("log".utf8)), inferences: 2), policy: policy,
      token: .standard, epochFees: allocation.epochFees,
      previousCumulative: allocation.previousTotal, previousManifest: previous?.manifest.id)
    let bundle = try ManifestBundle.build(contents, leaves: leaves, by: identity ?? fixture.alice)
    try bundle.write(to: dir, previousEnvelope: previous?.manifest.bytes)
    return bundle
  }

  func verify(_ dir: String, trusted: [AccountID: String]? = nil) -> VerificationReport {
    ManifestVerifier(trusted: trusted ?? self.trusted).verify(path: "\(dir)/manifest.json")
  }

  func status(_ report: VerificationReport, _ check: ManifestCheck) -> CheckResult.Status? {
    report.checks.first { $0.check == check }?.status
  }

  @Test func anExportPassesEveryCheck() throws {
    let dir = "\(directory.path)/out"
    let bundle = try export(to: dir)
    let report = verify(dir)
    #expect(report.passed, "\(report.checks)")
    #expect(report.manifest == bundle.manifest.id)
    #expect(
      report.checks.map(\.check) == [
        .envelope, .signature, .subject, .leaves, .root, .tree, .sum, .chain, .ledger,
      ])
    // No store is at hand: the ledger check is skipped, every other passes.
    #expect(report.checks.filter { $0.status != .passed }.map(\.check) == [.ledger])
    #expect(report.checks.last?.status == .skipped)
    #expect(bundle.manifest.id == Digest.of(try FileSystem.read("\(dir)/manifest.json")))
    #expect(bundle.predicate.totals.cumulative.value == 1_777)
    #expect(!FileSystem.exists("\(dir)/previous-manifest.json"))
  }

  @Test func theStatementIsInTotoV1() throws {
    let dir = "\(directory.path)/out"
    let bundle = try export(to: dir)
    let envelope = try #require(
      JSONSerialization.jsonObject(with: FileSystem.read("\(dir)/manifest.json")) as? [String: Any])
    #expect(envelope["payloadType"] as? String == "application/vnd.in-toto+json")
    let payload = try #require(Data(base64Encoded: envelope["payload"] as! String))
    let statement = try #require(JSONSerialization.jsonObject(with: payload) as? [String: Any])
    #expect(statement["_type"] as? String == "https://in-toto.io/Statement/v1")
    #expect(statement["predicateType"] as? String == "https://openledger.dev/rewards-manifest/v1")
    let subject = try #require((statement["subject"] as? [[String: Any]])?.first)
    #expect(subject["name"] as? String == "leaves.jsonl")
    #expect(
      (subject["digest"] as? [String: String])?["sha256"]
        == Digest.of(try FileSystem.read("\(dir)/leaves.jsonl")).hex)
    let predicate = try #require(statement["predicate"] as? [String: Any])
    #expect(
      Set(predicate.keys) == [
        "datanet", "epoch", "ledgerHeads", "indexSegments", "attribution", "inferenceLog", "policy",
        "token",
        "totals", "merkleRoot", "leafCount",
      ])
    #expect(predicate["merkleRoot"] as? String == bundle.tree.root.hex)
    #expect((predicate["totals"] as? [String: String])?["cumulative"] == "1777")
  }

  @Test func sameInputSameBytes() throws {
    let first = try export(to: "\(directory.path)/one")
    let second = try export(to: "\(directory.path)/two")
    #expect(first.manifest.bytes == second.manifest.bytes)
    #expect(first.leavesFile == second.leavesFile)
  }

  @Test func aChangedAmountFailsSubjectAndSum() throws {
    let dir = "\(directory.path)/out"
    try export(to: dir)
    var text = String(decoding: try FileSystem.read("\(dir)/leaves.jsonl"), as: UTF8.self)
    let range = try #require(text.range(of: #"cumulative":"1"#))
    text.replaceSubrange(range, with: #"cumulative":"2"#)
    try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/leaves.jsonl"))
    let report = verify(dir)
    #expect(!report.passed)
    #expect(report.failed.contains(.subject))
    #expect(report.failed.contains(.root) || report.failed.contains(.leaves))
    #expect(status(report, .signature) == .passed)
  }

  @Test func aRemovedLeafFailsSubjectLeavesRootAndSum() throws {
    let dir = "\(directory.path)/out"
    try export(to: dir)
    let lines = try FileSystem.read("\(dir)/leaves.jsonl").split(separator: 0x0a)
    let kept = lines.dropFirst().map { Data($0) + Data([0x0a]) }.reduce(Data(), +)
    try kept.write(to: URL(fileURLWithPath: "\(dir)/leaves.jsonl"))
    let report = verify(dir)
    #expect(Set(report.failed).isSuperset(of: [.subject, .leaves, .root, .tree, .sum]))
  }

  @Test func anEditedPayloadFailsTheSignature() throws {
    let dir = "\(directory.path)/out"
    let bundle = try export(to: dir)
    var statement = bundle.manifest.statement
    statement.predicate.totals.epochFees = DecimalAmount(1_778)
    var envelope = bundle.manifest.envelope
    envelope.payload = try CanonicalEncoder.encode(statement).base64EncodedString()
    try envelope.encoded().write(to: URL(fileURLWithPath: "\(dir)/manifest.json"))
    let report = verify(dir)
    #expect(report.failed.contains(.signature))
    #expect(report.failed.contains(.sum))
    let detail = report.checks.first { $0.check == .signature }!.detail
    #expect(detail.contains("no signature verifies against a trusted key"))
  }

  @Test func aReplacedSignatureFails() throws {
    let dir = "\(directory.path)/out"
    let bundle = try export(to: dir)
    var envelope = bundle.manifest.envelope
    let other = try Envelope.sign(
      payload: Data("something else".utf8), type: inTotoPayloadType, by: fixture.alice)
    envelope.signatures = other.signatures
    try envelope.encoded().write(to: URL(fileURLWithPath: "\(dir)/manifest.json"))
    #expect(verify(dir).failed == [.signature])
  }

  @Test func aKeyThatIsNotTrustedFails() throws {
    let dir = "\(directory.path)/out"
    try export(to: dir, by: fixture.bob)
    let report = verify(dir)
    #expect(report.failed == [.signature])
    #expect(verify(dir, trusted: [fixture.bob.account: "bob"]).passed)
    #expect(
      verify(dir, trusted: [:]).checks.first { $0.check == .signature }!.detail.contains(
        "no trusted keys"))
  }

  @Test func anUnreadableEnvelopeFailsFirstAndSkipsTheRest() throws {
    let dir = "\(directory.path)/out"
    try export(to: dir)
    try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(dir)/manifest.json"))
    let report = verify(dir)
    #expect(report.failed == [.envelope])
    #expect(report.checks.dropFirst().allSatisfy { $0.status == .skipped })
  }

  @Test func aStrayTreeFails() throws {
    let dir = "\(directory.path)/out"
    try export(to: dir)
    var tree = try FileSystem.read("\(dir)/tree.bin")
    tree[0] ^= 1
    try tree.write(to: URL(fileURLWithPath: "\(dir)/tree.bin"))
    #expect(verify(dir).failed == [.tree])
    try FileSystem.remove("\(dir)/tree.bin")
    let report = verify(dir)
    #expect(report.passed && status(report, .tree) == .skipped)
  }

  @Test func epochsChainAndAmountsAccumulate() throws {
    let first = try export(epoch: 1, to: "\(directory.path)/e1")
    let dir = "\(directory.path)/e2"
    let second = try export(epoch: 2, to: dir, previous: first)
    #expect(second.predicate.totals.previousCumulative.value == 1_777)
    #expect(second.predicate.totals.cumulative.value == 3_554)
    #expect(second.predicate.previousManifest == first.manifest.id)
    let report = verify(dir)
    #expect(report.passed, "\(report.checks)")
    #expect(report.detail(.chain).contains("follows epoch 1"))

    // Without the previous envelope the chain cannot be checked.
    try FileSystem.remove("\(dir)/previous-manifest.json")
    #expect(verify(dir).failed == [.chain])
    // A lookup (the store, --previous) may supply it, with its leaves.
    let found = ManifestVerifier(trusted: trusted) { id in
      id == first.manifest.id
        ? PreviousManifest(envelope: first.manifest.bytes, leaves: first.leavesFile, source: "test")
        : nil
    }.verify(path: "\(dir)/manifest.json")
    #expect(found.passed)
    #expect(found.detail(.chain).contains("no account's cumulative amount went down"))

    // Another epoch's envelope in its place is refused.
    try second.manifest.bytes.write(to: URL(fileURLWithPath: "\(dir)/previous-manifest.json"))
    #expect(verify(dir).failed == [.chain])
  }

  @Test func aChainThatSkipsAnEpochFails() throws {
    let first = try export(epoch: 1, to: "\(directory.path)/e1")
    let dir = "\(directory.path)/e3"
    try export(epoch: 3, to: dir, previous: first)
    let report = verify(dir)
    #expect(report.failed == [.chain])
    #expect(report.detail(.chain).contains("the previous manifest is epoch 1; this is epoch 3"))
  }

  @Test func claimProofsVerifyForEveryAccount() throws {
    let dir = "\(directory.path)/out"
    let bundle = try export(to: dir)
    for index in 0..<bundle.leaves.count {
      let holder = bundle.leaves.account(at: index)
      let proof = try ClaimProof.make(envelopePath: "\(dir)/manifest.json", account: holder)
      #expect(proof.isValid)
      #expect(proof.root == bundle.predicate.merkleRoot)
      #expect(proof.cumulative.value == bundle.leaves.amounts[index])
      var wrong = proof
      wrong.cumulative = DecimalAmount(proof.cumulative.value + 1)
      #expect(!wrong.isValid)
    }
    #expect(throws: RewardsError.self) {
      try ClaimProof.make(envelopePath: "\(dir)/manifest.json", account: account(0x77))
    }
  }
}

extension VerificationReport {
  /// The detail of `check`, empty when it did not run.
  func detail(_ check: ManifestCheck) -> String {
    checks.first { $0.check == check }?.detail ?? ""
  }
}
