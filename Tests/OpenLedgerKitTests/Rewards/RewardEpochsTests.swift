import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// Reward epochs in a real store: attributed over the index, recorded as events, replayed.
@Suite struct RewardEpochsTests {
  let fixture: CurationFixture
  let texts = (0..<6).map { sentence($0) }

  /// Bob's six sentences accepted and indexed in `papers` (alice owns and curates it).
  init() throws {
    fixture = try CurationFixture()
    let id = try fixture.contribute(texts, by: fixture.bob)
    try fixture.curation.review(
      [id.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    try AttributionIndex(store: fixture.store, datanet: try fixture.state()).build(
      clock: fixture.clock)
  }

  var epochs: RewardEpochs {
    get throws { RewardEpochs(store: fixture.store, datanet: try fixture.state()) }
  }

  /// An inference log: each output copies one of bob's sentences or none, with the fee given.
  /// Ids are `<prefix><index>`: a later epoch needs another prefix (an id is paid once).
  func log(_ outputs: [(String, String)], prefix: String = "q") throws -> RewardLog {
    let lines = outputs.enumerated().map { index, item in
      #"{"id":"\#(prefix)\#(index)","output":"\#(item.0)","fee":"\#(item.1)"}"# + "\n"
    }
    return try RewardLog.parse(Data(lines.joined().utf8), name: "log.jsonl")
  }

  func compute(_ log: RewardLog, by identity: Identity? = nil, epoch: UInt64? = nil) throws
    -> RewardEpochs.Computed
  {
    let attributor = try AttributionIndex(store: fixture.store, datanet: try fixture.state())
      .attributor()
    return try epochs.compute(
      log: log, requestedEpoch: epoch, attributor: attributor, by: identity ?? fixture.alice,
      clock: fixture.clock)
  }

  @Test func anEpochIsAttributedSplitRecordedAndReplayed() throws {
    let first = try compute(
      log([
        ("Someone wrote: \(texts[1])", "10000"),
        ("nothing copied here at all", "5000"),
      ]))
    #expect(first.epoch.epoch == 1)
    #expect(first.event.payload.type == .rewardsEpoch)
    let allocations = try epochs.allocations(of: first.epoch)
    let amounts = Dictionary(
      uniqueKeysWithValues: allocations.map { ($0.account, $0.amount.value) })
    // Alice is the curator, the protocol and the unattributed account (the defaults).
    #expect(amounts.values.reduce(0, +) == 15_000)
    let bob = try #require(allocations.first { $0.account == fixture.bob.account })
    #expect(bob.roles == [.contributor])
    #expect(bob.inferences == 1)
    #expect(bob.amount.value > 0 && bob.amount.value < 8_000)
    #expect(bob.units.value > 0)
    let shares = try epochs.inferenceShares(of: first.epoch)
    #expect(shares.lines.map(\.inference) == ["q0", "q1"])
    #expect(shares.lines[1].shares.map(\.account) == [fixture.alice.account])

    let second = try compute(log([(texts[4], "1000")], prefix: "r"))
    #expect(second.epoch.epoch == 2)
    #expect(second.manifest.predicate.previousManifest == first.manifest.id)
    #expect(second.epoch.cumulative.value == 16_000)
    let bobLater = try epochs.allocations(of: second.epoch).first {
      $0.account == fixture.bob.account
    }
    #expect(bobLater?.cumulative.value == bob.amount.value + bobLater!.amount.value)

    // The catalog is rebuilt from the objects with the same epochs and allocations, and the
    // ledger verifies.
    let before = try epochs.list()
    let beforeAllocations = try epochs.allocations(of: second.epoch)
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(try epochs.list() == before)
    #expect(try epochs.allocations(of: second.epoch) == beforeAllocations)
    #expect(try fixture.store.verifyLedger().isClean)

    // The index is derived: after a rebuild it is built again, with the same segment.
    let index = AttributionIndex(store: fixture.store, datanet: try fixture.state())
    try index.build(clock: fixture.clock)
    #expect(try index.segments().map(\.id) == second.manifest.predicate.indexSegments)

    // Export and verify, recomputing from the store.
    let directory = try TemporaryDirectory()
    try epochs.export(second.epoch, to: directory.path)
    let state = try fixture.state()
    let store = fixture.store
    let verified = ManifestVerifier(
      trusted: [fixture.alice.account: "alice"],
      recompute: { manifest in
        let attributor = try AttributionIndex(store: store, datanet: state).attributor(
          settings: manifest.predicate.attribution)
        return .init(
          leaves: try RewardEpochs(store: store, datanet: state).recomputeLeaves(
            of: manifest, log: nil, attributor: attributor),
          indexSegments: attributor.segmentIDs)
      }
    ).verify(path: "\(directory.path)/manifest.json")
    #expect(verified.passed, "\(verified.checks)")
    #expect(verified.checks.map(\.check).contains(.recompute))
  }

  @Test func onlyCuratorsComputeAndNothingIsWrittenOtherwise() throws {
    var malformed = [String]()
    let objects = try fixture.store.objects.allObjects(malformed: &malformed).count
    #expect {
      try compute(log([(texts[0], "100")]), by: fixture.bob)
    } throws: { ($0 as? LedgerError)?.kind == .permissionDenied }
    #expect(try fixture.store.objects.allObjects(malformed: &malformed).count == objects)
    #expect(try epochs.list().isEmpty)
  }

  @Test func epochsAreSequential() throws {
    _ = try compute(log([(texts[0], "100")]))
    #expect {
      try compute(log([(texts[0], "100")]), epoch: 1)
    } throws: { error in
      guard let error = error as? RewardsError, case .epochExists = error else { return false }
      return error.kind == .cannotCreate
    }
    #expect(throws: RewardsError.self) { try compute(log([(texts[0], "100")]), epoch: 3) }
    #expect(try compute(log([(texts[0], "101")], prefix: "r"), epoch: 2).epoch.epoch == 2)
  }

  @Test func aLogAlreadyPaidIsRefused() throws {
    _ = try compute(log([(texts[0], "100")]))
    #expect {
      try compute(log([(texts[0], "100")]))
    } throws: { error in
      guard let error = error as? RewardsError, case .logAlreadyPaid(_, _, let epoch) = error
      else { return false }
      return epoch == 1 && error.kind == .cannotCreate
    }
    #expect(try epochs.list().count == 1)
  }

  @Test func anInferenceAlreadyPaidIsRefusedInAnotherLog() throws {
    _ = try compute(log([(texts[0], "100"), (texts[1], "200")]))
    // Another log (a new inference first, then q1 again with another fee): q1 is named.
    let again = try RewardLog.parse(
      Data(
        (#"{"id":"new","output":"fresh text","fee":"5"}"# + "\n"
          + #"{"id":"q1","output":"\#(texts[1])","fee":"300"}"# + "\n").utf8),
      name: "later.jsonl")
    #expect {
      try compute(again)
    } throws: { error in
      guard let error = error as? RewardsError,
        case .inferenceAlreadyPaid(let name, let line, let id, _, let epoch) = error
      else { return false }
      return name == "later.jsonl" && line == 2 && id == "q1" && epoch == 1
        && error.kind == .dataError
    }
    #expect(try epochs.list().count == 1)
    #expect(try compute(log([(texts[1], "300")], prefix: "r")).epoch.epoch == 2)
  }

  @Test func aForgedEpochIsRefusedOnWriteAndOnReplay() throws {
    let first = try compute(log([(texts[2], "100")]))
    // Bob signs an epoch event naming alice's objects: refused on write.
    let body = RewardsEpoch(
      epoch: 2, manifest: first.epoch.manifest, tree: first.epoch.tree,
      allocations: first.epoch.allocations)
    #expect {
      try Ledger(store: fixture.store).append(
        .rewardsEpoch(body), to: try fixture.state().id, by: fixture.bob, clock: fixture.clock)
    } throws: { ($0 as? LedgerError)?.kind == .permissionDenied }
    // Written straight into the objects, it is refused on replay, and verify-ledger names it.
    let datanet = try fixture.state().id
    let heads = try fixture.store.catalog.read { db in try Ledger.heads(of: datanet, in: db) }
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: try fixture.state().id, parents: heads, actor: fixture.bob.account,
        time: "2026-11-26T00:00:00.000Z", body: .rewardsEpoch(body)), by: fixture.bob)
    try fixture.store.objects.put(forged.bytes)
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [forged.id.hex])
    #expect(report.rejected.first?.reason.contains("may not record reward epochs") == true)
    #expect(try epochs.list().count == 1)
  }

  @Test func verifyLedgerComparesTheCatalogsEpochsWithTheReplay() throws {
    _ = try compute(log([(texts[2], "100")]))
    #expect(try fixture.store.verifyLedger().isClean)
    try fixture.store.catalog.write { db in
      try db.execute(sql: "UPDATE reward_allocations SET cumulative = '999' WHERE epoch = 1")
    }
    let findings = try fixture.store.verifyLedger().findings
    #expect(!findings.isEmpty)
    #expect(findings.allSatisfy { $0.kind == .catalogMismatch })
    #expect(findings.first?.message.contains("reward allocation in epoch 1 account") == true)
    #expect(findings.first?.message.contains(", cumulative 999, roles ") == true)
  }

  @Test func anEpochWhoseObjectsDisagreeIsRefused() throws {
    let first = try compute(log([(texts[2], "100")]))
    // A second epoch by alice that reuses epoch 1's manifest: the manifest is of epoch 1.
    let body = RewardsEpoch(
      epoch: 2, manifest: first.epoch.manifest, tree: first.epoch.tree,
      allocations: first.epoch.allocations)
    #expect {
      try Ledger(store: fixture.store).append(
        .rewardsEpoch(body), to: try fixture.state().id, by: fixture.alice, clock: fixture.clock)
    } throws: { "\($0)".contains("the manifest is of Datanet") }
  }

  /// Computes `slow` (as the given epoch, when one is) and, while it attributes, runs
  /// `meanwhile`; returns what computing `slow` gave.
  func compute(
    _ slow: RewardLog, epoch: UInt64? = nil, meanwhile: () throws -> Void
  ) throws -> RewardEpochs.Computed {
    let pausing = PausingAttributor(
      try AttributionIndex(store: fixture.store, datanet: try fixture.state()).attributor())
    let (epochs, alice, clock) = (try self.epochs, fixture.alice, fixture.clock)
    let paused = OtherThread {
      try epochs.compute(
        log: slow, requestedEpoch: epoch, attributor: pausing, by: alice, clock: clock)
    }
    pausing.pause.waitUntilReached()
    defer { pausing.pause.release() }
    try meanwhile()
    pausing.pause.release()
    return try paused.value()
  }

  /// Two `rewards compute` at once, as two curators' processes: the one that records second
  /// is numbered after the other (its manifest follows the other's), instead of failing over
  /// an epoch number nobody asked for.
  @Test func concurrentComputesAreNumberedOneAfterTheOther() throws {
    var recorded: RewardEpochs.Computed?
    let later = try compute(log([(texts[1], "100")], prefix: "a")) {
      recorded = try compute(log([(texts[2], "250")], prefix: "b"))
    }
    #expect(recorded?.epoch.epoch == 1)
    #expect(later.epoch.epoch == 2)
    #expect(later.manifest.predicate.previousManifest == recorded?.manifest.id)
    #expect(later.epoch.cumulative.value == 350, "the leaves add this epoch to the other's")
    #expect(try epochs.list().map(\.epoch) == [1, 2])
    #expect(try fixture.store.verifyLedger().isClean)
  }

  /// The same log computed twice at once is paid once: the second is refused as paid, not
  /// blamed on `--epoch`.
  @Test func theSameLogComputedTwiceAtOnceIsPaidOnce() throws {
    let same = try log([(texts[1], "100")])
    var recorded: UInt64?
    #expect {
      try compute(same) { recorded = try compute(same).epoch.epoch }
    } throws: { error in
      guard let error = error as? RewardsError, case .logAlreadyPaid(_, _, let epoch) = error
      else { return false }
      return epoch == 1
    }
    #expect(recorded == 1)
    #expect(try epochs.list().count == 1)
  }

  /// With `--epoch N` and another compute recording N meanwhile, the error says so.
  @Test func anEpochAskedForAndRecordedMeanwhileSaysWhatHappened() throws {
    #expect {
      try compute(log([(texts[1], "100")], prefix: "a"), epoch: 1) {
        _ = try compute(log([(texts[2], "250")], prefix: "b"))
      }
    } throws: { error in
      let text = "\(error)"
      return (error as? OpenLedgerError)?.kind == .cannotCreate
        && text.contains("another `rewards compute` recorded epoch 1") && text.contains("--epoch 2")
    }
    #expect(try epochs.list().count == 1)
  }
}

/// An attributor that stops at its first output until the test lets it go on, as a long
/// computation would be overtaken by another.
final class PausingAttributor: OutputAttributing, @unchecked Sendable {
  let inner: Attributor
  let pause = Pause()

  init(_ inner: Attributor) {
    self.inner = inner
  }

  var segmentIDs: [Digest] { inner.segmentIDs }
  var settings: AttributionSettings { inner.settings }

  func weights(of output: String) -> OutputWeights {
    pause.here()
    return inner.weights(of: output)
  }
}
