import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// Epochs that can be paid: v2 leaves pay each account's payout address as of the manifest's
/// ledger heads, and an operator's signed inference log backs the fees. Checked on write and on
/// replay, with operators a remove-wins membership like curators.
@Suite struct PayableEpochsTests {
  static let bobsWallet = EVMAddress(canonical: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")!
  static let bobsNewWallet = EVMAddress(canonical: "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")!

  let fixture: CurationFixture
  let carol: Identity
  let texts = (0..<4).map { sentence($0) }

  /// Bob's sentences accepted and indexed in `papers` (alice owns and curates it); carol is
  /// the model operator.
  init() throws {
    fixture = try CurationFixture()
    carol = try fixture.base.identities.create(name: "carol", clock: fixture.clock)
    let id = try fixture.contribute(texts, by: fixture.bob)
    try fixture.curation.review(
      [id.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    try AttributionIndex(store: fixture.store, datanet: try fixture.state()).build(
      clock: fixture.clock)
    try update(DatanetUpdate(addOperators: [carol.account]))
  }

  var store: Store { fixture.store }
  var epochs: RewardEpochs {
    get throws { RewardEpochs(store: store, datanet: try fixture.state()) }
  }
  var heads: [Digest] { get throws { try fixture.base.ledger.heads(of: fixture.datanet.id) } }

  @discardableResult
  func update(_ body: DatanetUpdate) throws -> SignedEvent {
    try fixture.base.ledger.append(
      .datanetUpdate(body), to: fixture.datanet.id, by: fixture.alice, clock: fixture.clock)
  }

  func setPayout(_ address: EVMAddress, by identity: Identity) throws {
    try Payouts(store: store, datanet: try fixture.state()).set(
      PayoutSet(address: address), by: identity, clock: fixture.clock)
  }

  func log(_ prefix: String, fee: String = "10000") throws -> RewardLog {
    let line = #"{"id":"\#(prefix)1","output":"Quoted: \#(texts[1])","fee":"\#(fee)"}"# + "\n"
    return try RewardLog.parse(Data(line.utf8), name: "\(prefix).jsonl")
  }

  func sign(_ log: RewardLog, by identity: Identity, token: RewardToken = .standard) throws
    -> SignedInferenceLog
  {
    try SignedInferenceLog.sign(
      log: log, datanet: fixture.datanet.id, token: token, by: identity, clock: fixture.clock)
  }

  func compute(_ log: RewardLog, signedLog: SignedInferenceLog? = nil) throws
    -> RewardEpochs.Computed
  {
    let attributor = try AttributionIndex(store: store, datanet: try fixture.state()).attributor()
    return try epochs.compute(
      log: log, attributor: attributor, signedLog: signedLog, by: fixture.alice,
      clock: fixture.clock)
  }

  func bundle(_ computed: RewardEpochs.Computed) throws -> ManifestBundle {
    try epochs.bundle(of: computed.epoch)
  }

  @Test func leavesPayTheAddressesAtTheManifestsHeads() throws {
    try setPayout(Self.bobsWallet, by: fixture.bob)
    let first = try compute(log("a"))
    let leaves = try bundle(first).leaves
    #expect(first.manifest.leafFormat == .v2)
    #expect(
      first.manifest.statement.predicateType == "https://openledger.dev/rewards-manifest/v2")
    #expect(
      leaves.recipient(at: try #require(leaves.index(of: fixture.bob.account))) == Self.bobsWallet)
    // alice (curator, protocol, unattributed) named no address: the zero address, and listed.
    #expect(leaves.recipient(at: try #require(leaves.index(of: fixture.alice.account))) == .zero)
    #expect(first.manifest.predicate.withoutPayoutAddress == [fixture.alice.account])
    #expect(first.manifest.predicate.operators == [])

    // A later address changes later epochs only.
    try setPayout(Self.bobsNewWallet, by: fixture.bob)
    try setPayout(Self.bobsWallet, by: fixture.alice)
    let second = try compute(log("b"))
    let later = try bundle(second).leaves
    #expect(
      later.recipient(at: try #require(later.index(of: fixture.bob.account))) == Self.bobsNewWallet)
    #expect(second.manifest.predicate.withoutPayoutAddress == [])
    #expect(try bundle(first).leaves.recipients == leaves.recipients)

    // Replay checks every recipient against the ledger and rebuilds the same catalog.
    let before = try epochs.list()
    let report = try store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(try epochs.list() == before)
    #expect(try store.verifyLedger().isClean)

    // Recomputing from the store gives the same v2 leaves, byte for byte.
    try AttributionIndex(store: store, datanet: try fixture.state()).build(clock: fixture.clock)
    for computed in [first, second] {
      let attributor = try AttributionIndex(store: store, datanet: try fixture.state()).attributor(
        settings: computed.manifest.predicate.attribution)
      let again = try epochs.recomputeLeaves(
        of: computed.manifest, log: nil, attributor: attributor)
      #expect(again == (try bundle(computed).leavesFile))
    }
  }

  /// An address set while an epoch is computed (after the heads it read) waits for the next
  /// epoch, on write and on replay alike; a manifest that used it anyway is refused on replay.
  @Test func anAddressSetDuringTheComputationWaitsForTheNextEpoch() throws {
    let read = try heads
    try setPayout(Self.bobsWallet, by: fixture.bob)
    let attributor = try AttributionIndex(store: store, datanet: try fixture.state()).attributor()
    let computed = try epochs.compute(
      log: try log("a"), attributor: attributor, ledgerHeads: read, by: fixture.alice,
      clock: fixture.clock)
    let leaves = try bundle(computed).leaves
    #expect(leaves.recipient(at: try #require(leaves.index(of: fixture.bob.account))) == .zero)
    #expect(computed.manifest.predicate.withoutPayoutAddress?.contains(fixture.bob.account) == true)
    var report = try store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")

    // The same epoch paying bob's new address, forged: replay, walking the DAG in memory,
    // finds the address was set after the manifest's heads.
    let state = try fixture.state()
    let (policy, token) = try RewardSettings().resolve(curators: state.curators, owner: state.owner)
    let log = try log("b")
    let parents = try heads
    let computation = try EpochComputation.run(
      datanet: state.id, start: .init(previous: try bundle(computed)), ledgerHeads: read, log: log,
      attributor: attributor, policy: policy, token: token,
      recipients: [fixture.bob.account: Self.bobsWallet], signer: fixture.alice)
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: state.id, parents: parents, actor: fixture.alice.account,
        time: "2026-06-01T00:00:00.000Z",
        body: .rewardsEpoch(try storeObjects(computation, log: log))),
      by: fixture.alice)
    try store.objects.put(forged.bytes)
    report = try store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [forged.id.hex])
    #expect(report.rejected.first?.reason.contains("is not set (the zero address)") == true)
  }

  /// A curator who redirects a leaf to an address the account never named: the manifest is
  /// signed and consistent, but replay refuses its event.
  @Test func replayRefusesARedirectedLeaf() throws {
    try setPayout(Self.bobsWallet, by: fixture.bob)
    let log = try log("a")
    let parents = try heads
    let state = try fixture.state()
    let attributor = try AttributionIndex(store: store, datanet: state).attributor()
    let (policy, token) = try RewardSettings().resolve(curators: state.curators, owner: state.owner)
    let computation = try EpochComputation.run(
      datanet: state.id, start: .init(previous: nil), ledgerHeads: parents, log: log,
      attributor: attributor, policy: policy, token: token,
      recipients: [fixture.bob.account: Self.bobsNewWallet], signer: fixture.alice)
    let body = try storeObjects(computation, log: log)
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: state.id, parents: parents, actor: fixture.alice.account,
        time: "2026-06-01T00:00:00.000Z", body: .rewardsEpoch(body)),
      by: fixture.alice)
    try store.objects.put(forged.bytes)
    let report = try store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [forged.id.hex])
    #expect(
      report.rejected.first?.reason.contains(
        "leaf pays \(Self.bobsNewWallet.hex), but its payout address in the ledger at the "
          + "manifest's heads is \(Self.bobsWallet.hex)") == true, "\(report.rejected)")
  }

  /// The objects `rewards compute` stores for an epoch, and the event body naming them.
  func storeObjects(
    _ computation: EpochComputation, log: RewardLog, signedLog: SignedInferenceLog? = nil
  ) throws -> RewardsEpoch {
    let built = computation.bundle
    try store.objects.put(log.bytes)
    try store.objects.put(built.leavesFile)
    let tree = try store.objects.put(Data(built.tree.nodes))
    let allocations = try store.objects.put(
      EpochAllocations(computation.allocation, log: log).encoded())
    try store.objects.put(built.manifest.bytes)
    if let signedLog { try store.objects.put(signedLog.bytes) }
    return RewardsEpoch(
      epoch: built.predicate.epoch, manifest: built.manifest.id, tree: tree,
      allocations: allocations, signedLog: signedLog?.id)
  }

  @Test func anOperatorsSignedLogIsRecordedAndStatesWhatItOwes() throws {
    let log = try log("a", fee: "12345")
    let signed = try sign(log, by: carol)
    let computed = try compute(log, signedLog: signed)
    #expect(
      computed.manifest.predicate.operators == [
        .init(account: carol.account, owes: 12_345, signedLog: signed.id)
      ])
    #expect(computed.epoch.signedLog == signed.id)
    if case .rewardsEpoch(let body) = computed.event.payload.body {
      #expect(body.signedLog == signed.id)
    }
    #expect(try store.objects.read(signed.id) == signed.bytes)
    // gc keeps it: the catalog references it.
    _ = try store.gc(dryRun: false, clock: fixture.clock)
    #expect(store.objects.contains(signed.id))
    let report = try store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(try epochs.list().first?.signedLog == signed.id)
    #expect(try store.verifyLedger().isClean)
  }

  @Test func aLogSignedByANonOperatorOrForAnotherLogIsRefusedAndNothingWritten() throws {
    var malformed = [String]()
    let objects = try store.objects.allObjects(malformed: &malformed).count
    let log = try log("a")
    #expect {
      try compute(log, signedLog: try sign(log, by: fixture.bob))
    } throws: { ($0 as? LedgerError)?.kind == .permissionDenied }
    #expect {
      try compute(log, signedLog: try sign(try self.log("other", fee: "1"), by: carol))
    } throws: { error in
      guard let error = error as? RewardsError, case .signedLogMismatch = error else {
        return false
      }
      return error.kind == .dataError && error.description.contains("SHA-256")
    }
    #expect {
      try compute(
        log, signedLog: try sign(log, by: carol, token: RewardToken(symbol: "USDC", decimals: 6)))
    } throws: { ($0 as? RewardsError)?.description.contains("USDC") == true }
    #expect(try store.objects.allObjects(malformed: &malformed).count == objects)
    #expect(try epochs.list().isEmpty)
  }

  @Test func thePolicyCanRequireASignedLog() throws {
    var policy = try fixture.state().policy
    policy.requireSignedLog = true
    try update(DatanetUpdate(policy: policy))
    let log = try log("a")
    #expect {
      try compute(log)
    } throws: { error in
      guard let error = error as? RewardsError, case .unsignedLog = error else { return false }
      return error.kind == .dataError
    }
    #expect(try compute(log, signedLog: try sign(log, by: carol)).epoch.epoch == 1)
  }

  /// The policy is judged in the epoch's causal past: requiring signed logs concurrently with an
  /// unsigned epoch leaves the epoch standing; an unsigned epoch that saw the requirement is
  /// refused on replay.
  @Test func replayJudgesThePolicyInTheEpochsCausalPast() throws {
    let first = try compute(log("a"))
    var policy = try fixture.state().policy
    policy.requireSignedLog = true
    // Re-signed until it sorts before the epoch, so the fold meets it first: only its place in
    // the epoch's causal past may decide, not the fold's order.
    var requiring: SignedEvent
    var second = 0
    repeat {
      requiring = try SignedEvent.sign(
        EventPayload(
          datanet: fixture.datanet.id, parents: first.event.payload.parents,
          actor: fixture.alice.account,
          time: String(format: "2026-06-01T00:%02d:%02d.000Z", second / 60, second % 60),
          body: .datanetUpdate(DatanetUpdate(policy: policy))),
        by: fixture.alice)
      second += 1
    } while requiring.id > first.event.id
    try store.objects.put(requiring.bytes)
    var report = try store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(report.overridden.isEmpty)
    #expect(try epochs.list().count == 1)
    #expect(try fixture.state().policy.requiresSignedLog)

    // Epoch 2, unsigned, after the requirement: forged, since compute refuses to write it.
    let log = try log("b")
    let state = try fixture.state()
    let parents = try heads
    let (split, token) = try RewardSettings().resolve(curators: state.curators, owner: state.owner)
    let computation = try EpochComputation.run(
      datanet: state.id, start: .init(previous: try bundle(first)), ledgerHeads: parents,
      log: log, attributor: try AttributionIndex(store: store, datanet: state).attributor(),
      policy: split, token: token, signer: fixture.alice)
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: state.id, parents: parents, actor: fixture.alice.account,
        time: "2026-06-01T00:00:01.000Z",
        body: .rewardsEpoch(try storeObjects(computation, log: log))),
      by: fixture.alice)
    try store.objects.put(forged.bytes)
    report = try store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [forged.id.hex])
    #expect(
      report.rejected.first?.reason.contains("policy requires a signed inference log") == true)
  }

  /// Removal wins for operators: the owner removing the operator concurrently with an epoch
  /// paid from its signed log overrides the epoch, on every machine.
  @Test func anOperatorsRemovalConcurrentWithItsEpochWins() throws {
    let log = try log("a")
    let computed = try compute(log, signedLog: try sign(log, by: carol))
    let removal = try SignedEvent.sign(
      EventPayload(
        datanet: fixture.datanet.id, parents: computed.event.payload.parents,
        actor: fixture.alice.account, time: "2026-06-01T00:00:00.000Z",
        body: .datanetUpdate(DatanetUpdate(removeOperators: [carol.account]))),
      by: fixture.alice)
    try store.objects.put(removal.bytes)
    let report = try store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(report.overridden.map(\.event) == [computed.event.id.hex])
    #expect(
      report.overridden.first?.reason.contains("operator \(carol.account.fingerprint)") == true)
    #expect(try epochs.list().isEmpty)
    #expect(try fixture.state().operators.isEmpty)
  }

  @Test func operatorsAreARemoveWinsSetOnlyTheOwnerChanges() throws {
    #expect(try fixture.state().operators == [carol.account])
    #expect {
      try fixture.base.ledger.append(
        .datanetUpdate(DatanetUpdate(addOperators: [fixture.bob.account])),
        to: fixture.datanet.id, by: fixture.bob, clock: fixture.clock)
    } throws: { ($0 as? LedgerError)?.kind == .permissionDenied }
    // Added and removed concurrently: removed.
    let parents = try heads
    for (second, body) in [
      (1, DatanetUpdate(addOperators: [fixture.bob.account])),
      (2, DatanetUpdate(removeOperators: [fixture.bob.account])),
    ] {
      try store.objects.put(
        try SignedEvent.sign(
          EventPayload(
            datanet: fixture.datanet.id, parents: parents, actor: fixture.alice.account,
            time: "2026-06-01T00:00:0\(second).000Z", body: .datanetUpdate(body)),
          by: fixture.alice
        ).bytes)
    }
    let report = try store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(try fixture.state().operators == [carol.account])
  }
}
