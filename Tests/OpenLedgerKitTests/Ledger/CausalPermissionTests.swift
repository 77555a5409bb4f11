import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// Rights follow causality: an event is judged against what its author could know (its causal
/// past), and a removal concurrent with an action wins, identically on every machine whatever
/// the event ids (Docs/Formats.md, "Rights follow causality").
@Suite struct CausalPermissionTests {
  /// alice owns `papers` and made bob a curator; carol contributed `pending`.
  struct Setup {
    let fixture: CurationFixture
    let pending: Digest
    let carol: Identity

    init() throws {
      let fixture = try CurationFixture()
      let carol = try fixture.base.identities.create(name: "carol", clock: fixture.clock)
      try fixture.base.ledger.append(
        .datanetUpdate(DatanetUpdate(addCurators: [fixture.bob.account])),
        to: fixture.datanet.id, by: fixture.alice, clock: fixture.clock)
      pending = try fixture.contribute([sentence(1), sentence(2)], by: carol)
      self.fixture = fixture
      self.carol = carol
    }

    var store: Store { fixture.store }
    var datanet: Digest { fixture.datanet.id }

    func heads() throws -> [Digest] { try fixture.base.ledger.heads(of: datanet) }

    /// `body` signed by `identity` with `parents`, stored as an object (not applied); the time
    /// is varied until `accept` says yes to the id, as a forger re-signing would.
    func forge(
      _ body: EventBody, by identity: Identity, parents: [Digest],
      until accept: (Digest) -> Bool = { _ in true }
    ) throws -> SignedEvent {
      for second in 0..<10_000 {
        let event = try SignedEvent.sign(
          EventPayload(
            datanet: datanet, parents: parents, actor: identity.account,
            time: String(format: "2026-06-01T00:%02d:%02d.000Z", second / 60 % 60, second % 60),
            body: body),
          by: identity)
        if accept(event.id) {
          try store.objects.put(event.bytes)
          return event
        }
      }
      throw LedgerError.invalid("no id found")
    }

    /// alice removes bob as a curator, as the command line would.
    func removeBob() throws -> SignedEvent {
      try fixture.base.ledger.append(
        .datanetUpdate(DatanetUpdate(removeCurators: [fixture.bob.account])),
        to: datanet, by: fixture.alice, clock: fixture.clock)
    }

    func review(_ decision: ReviewDecision, _ reason: String = "r") -> EventBody {
      .contributionReview(
        ContributionReview(contribution: pending, decision: decision, reason: reason))
    }

    func status() throws -> ContributionStatus {
      try fixture.curation.contribution(pending.hex).status
    }

    func overridden() throws -> [String] {
      try store.catalog.read { db in
        try String.fetchAll(
          db, sql: "SELECT id FROM events WHERE overridden IS NOT NULL ORDER BY id")
      }
    }
  }

  /// The attack of issue 13: bob, removed by event X, signs a review whose parents are X's
  /// parents and re-signs until its id sorts below X's. Before, replay folded it first and
  /// took it as a valid accept.
  @Test func aRemovedCuratorCannotReviewConcurrentlyWithTheRemoval() throws {
    let setup = try Setup()
    let before = try setup.heads()
    let removal = try setup.removeBob()
    let review = try setup.forge(
      setup.review(.accept), by: setup.fixture.bob, parents: before, until: { $0 < removal.id })
    #expect(review.id < removal.id)

    let report = try setup.store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(report.overridden.map(\.event) == [review.id.hex])
    #expect(report.overridden.first?.reason.contains(removal.id.hex) == true)
    #expect(try setup.status() == .pending)
    #expect(try setup.overridden() == [review.id.hex])
    // The review stays in the DAG: it is a head, and events after it still apply.
    #expect(try setup.heads().contains(review.id))

    let verification = try setup.store.verifyLedger()
    #expect(verification.isClean, "\(verification.findings)")
    let finding = try #require(verification.findings.first)
    #expect(finding.kind == .overridden)
    #expect(finding.event == review.id)

    let validation = try StoreValidator(store: setup.store).validate(datanet: nil)
    let warning = validation.checks.flatMap(\.findings).first { $0.code == "overridden-event" }
    #expect(warning?.severity == .warning)
    #expect(validation.checks.flatMap(\.findings).allSatisfy { $0.severity == .warning })
  }

  /// The same with the review's id above the removal's: the order of ids must not matter.
  @Test func theVerdictDoesNotDependOnTheEventIDs() throws {
    let setup = try Setup()
    let before = try setup.heads()
    let removal = try setup.removeBob()
    let review = try setup.forge(
      setup.review(.accept), by: setup.fixture.bob, parents: before, until: { $0 > removal.id })
    let report = try setup.store.rebuildCatalog()
    #expect(report.overridden.map(\.event) == [review.id.hex])
    #expect(try setup.status() == .pending)
  }

  /// A review that descends from the removal is refused outright: its author saw it.
  @Test func aReviewAfterTheRemovalIsRefused() throws {
    let setup = try Setup()
    let removal = try setup.removeBob()
    let review = try setup.forge(
      setup.review(.accept), by: setup.fixture.bob, parents: [removal.id])
    let report = try setup.store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [review.id.hex])
    #expect(try setup.status() == .pending)
    let verification = try setup.store.verifyLedger()
    #expect(verification.findings.map(\.kind) == [.refused])
    #expect(!verification.isClean)
  }

  /// A right granted by an event the actor could not have seen does not count, though that
  /// event sorts first: carol's review, concurrent with her appointment, is refused.
  @Test func aRightGrantedConcurrentlyDoesNotCount() throws {
    let setup = try Setup()
    let before = try setup.heads()
    let appointment = try setup.fixture.base.ledger.append(
      .datanetUpdate(DatanetUpdate(addCurators: [setup.carol.account])),
      to: setup.datanet, by: setup.fixture.alice, clock: setup.fixture.clock)
    let review = try setup.forge(
      setup.review(.accept), by: setup.carol, parents: before, until: { $0 > appointment.id })
    let report = try setup.store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [review.id.hex])
    #expect(report.rejected.first?.reason.contains("may not review") == true)
    #expect(try setup.status() == .pending)
  }

  /// Two curators decide the same contribution apart: the first in the fold's order wins on
  /// every machine, and the other is kept without effect and reported.
  @Test func concurrentDecisionsResolveTheSameWayAndAreReported() throws {
    let setup = try Setup()
    let parents = try setup.heads()
    let accept = try setup.forge(setup.review(.accept), by: setup.fixture.alice, parents: parents)
    let reject = try setup.forge(
      setup.review(.reject, "spam"), by: setup.fixture.bob, parents: parents)
    let report = try setup.store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    let (winner, loser) = accept.id < reject.id ? (accept, reject) : (reject, accept)
    #expect(report.overridden.map(\.event) == [loser.id.hex])
    #expect(report.overridden.first?.reason.contains(winner.id.hex) == true)
    #expect(try setup.status() == (winner.id == accept.id ? .accepted : .rejected))
    #expect(try setup.store.verifyLedger().isClean)
  }

  /// Two curators taking down the same record apart both stand.
  @Test func concurrentTakedownsOfOneRecordAgree() throws {
    let setup = try Setup()
    try setup.fixture.curation.review(
      [setup.pending.hex], decision: .accept, reason: "", by: setup.fixture.alice,
      clock: setup.fixture.clock)
    let record = try setup.store.catalog.read { db in
      try #require(try Data.fetchOne(db, sql: "SELECT id FROM records ORDER BY id LIMIT 1"))
    }
    let parents = try setup.heads()
    let body = EventBody.recordTakedown(
      RecordTakedown(records: [Digest(bytes: record)], reason: "pii"))
    let first = try setup.forge(body, by: setup.fixture.alice, parents: parents)
    let second = try setup.forge(body, by: setup.fixture.bob, parents: parents)
    let report = try setup.store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(report.overridden.isEmpty)
    let removedBy = try setup.store.catalog.read { db in
      try String.fetchAll(db, sql: "SELECT event FROM removed_records")
    }
    #expect(removedBy == [min(first.id, second.id).hex])
  }

  /// The owner adding and removing a curator apart: the removal wins.
  @Test func concurrentAddAndRemoveOfACuratorLeaveThemRemoved() throws {
    let setup = try Setup()
    let parents = try setup.heads()
    let alice = setup.fixture.alice
    _ = try setup.forge(
      .datanetUpdate(DatanetUpdate(addCurators: [setup.carol.account])), by: alice,
      parents: parents)
    _ = try setup.forge(
      .datanetUpdate(DatanetUpdate(removeCurators: [setup.fixture.bob.account])), by: alice,
      parents: parents)
    // Concurrently, add bob again and remove carol (whom the other branch adds).
    let readd = try setup.forge(
      .datanetUpdate(
        DatanetUpdate(addCurators: [setup.fixture.bob.account])), by: alice, parents: parents)
    let report = try setup.store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    let curators = try setup.fixture.state().curators
    // bob: re-added concurrently with his removal, so the removal wins; carol: added, never
    // removed.
    #expect(curators == [alice.account, setup.carol.account].sorted())
    // Once an addition descends from the removal, it holds.
    _ = try setup.forge(
      .datanetUpdate(DatanetUpdate(addCurators: [setup.fixture.bob.account])), by: alice,
      parents: try setup.heads())
    #expect(try setup.heads().contains(readd.id))
    _ = try setup.store.rebuildCatalog()
    #expect(try setup.fixture.state().curators.contains(setup.fixture.bob.account))
  }
}
