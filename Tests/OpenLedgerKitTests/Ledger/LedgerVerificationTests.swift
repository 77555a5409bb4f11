import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

@Suite struct LedgerVerificationTests {
  /// A Datanet with a contribution accepted, one rejected, one withdrawn, and a takedown.
  func curated() throws -> (fixture: CurationFixture, accepted: Digest, pending: Digest) {
    let fixture = try CurationFixture()
    let accepted = try fixture.contribute([sentence(1), sentence(2)], by: fixture.bob)
    let rejected = try fixture.contribute([sentence(3)], by: fixture.bob)
    let withdrawn = try fixture.contribute([sentence(4)], by: fixture.bob)
    let pending = try fixture.contribute([sentence(5)], by: fixture.bob)
    try fixture.curation.review(
      [accepted.hex], decision: .accept, reason: "ok", by: fixture.alice, clock: fixture.clock)
    try fixture.curation.review(
      [rejected.hex], decision: .reject, reason: "no", by: fixture.alice, clock: fixture.clock)
    try fixture.curation.withdraw(withdrawn.hex, reason: nil, by: fixture.bob, clock: fixture.clock)
    try fixture.curation.takeDown(
      contribution: pending.hex, of: "papers", reason: "pii", by: fixture.alice,
      clock: fixture.clock)
    return (fixture, accepted, pending)
  }

  /// Records `event` in the catalog as if it had been appended, without any check.
  func insertByHand(_ event: SignedEvent, _ fixture: CurationFixture, status: String? = nil)
    throws
  {
    try fixture.store.objects.put(event.bytes)
    try fixture.store.catalog.write { db in
      let datanet = event.datanet.hex
      try db.execute(
        sql: """
          INSERT INTO events (id, datanet, type, actor, time, seq)
          VALUES (?, ?, ?, ?, ?, (SELECT MAX(seq) + 1 FROM events))
          """,
        arguments: [
          event.id.hex, datanet, event.payload.type.rawValue, event.payload.actor.hex,
          event.payload.time,
        ])
      try db.execute(sql: "DELETE FROM heads WHERE datanet = ?", arguments: [datanet])
      try db.execute(
        sql: "INSERT INTO heads (datanet, event) VALUES (?, ?)", arguments: [datanet, event.id.hex]
      )
      if let status, case .contributionReview(let review) = event.payload.body {
        try db.execute(
          sql: "UPDATE contributions SET status = ?, reviewer = ?, decision = ? WHERE id = ?",
          arguments: [status, event.payload.actor.hex, event.id.hex, review.contribution.hex])
      }
    }
  }

  func heads(_ fixture: CurationFixture) throws -> [Digest] {
    try fixture.store.catalog.read { db in try Ledger.heads(of: fixture.datanet.id, in: db) }
  }

  @Test func aCuratedStoreVerifiesCleanBeforeAndAfterGC() throws {
    let (fixture, _, _) = try curated()
    let report = try fixture.store.verifyLedger()
    #expect(report.isClean, "\(report.findings)")
    #expect(report.events == 9)
    #expect(report.applied == 9)
    #expect(report.datanets == [fixture.datanet.id])
    _ = try fixture.store.gc(dryRun: false, clock: fixture.clock)
    let after = try fixture.store.verifyLedger(datanet: fixture.datanet.id)
    #expect(after.isClean, "\(after.findings)")
  }

  @Test func anAlteredEventIsReportedByItsID() throws {
    let (fixture, accepted, _) = try curated()
    let events = try fixture.base.ledger.events(of: fixture.datanet.id)
    let review = try #require(
      events.first {
        if case .contributionReview(let body) = $0.payload.body {
          return body.contribution == accepted
        }
        return false
      })
    // Change the decision's reason inside the signed payload, keeping the envelope well formed.
    let path = fixture.store.objects.path(for: review.id)
    var envelope = try JSONDecoder().decode(Envelope.self, from: review.bytes)
    var payload = review.payload
    payload.body = .contributionReview(
      ContributionReview(contribution: accepted, decision: .accept, reason: "changed"))
    envelope.payload = try CanonicalEncoder.encode(payload).base64EncodedString()
    chmod(path, 0o644)
    try envelope.encoded().write(to: URL(fileURLWithPath: path))

    let report = try fixture.store.verifyLedger()
    #expect(!report.isClean)
    let altered = report.findings.filter { $0.event == review.id }
    #expect(altered.contains { $0.kind == .unverifiable && $0.message.contains("do not hash") })
    // Its child names it as a parent, and the catalog, which trusted it, now disagrees.
    #expect(
      report.findings.contains { $0.kind == .missingParent && $0.message.contains(review.id.hex) })
    #expect(
      report.findings.contains {
        $0.kind == .catalogMismatch && $0.message.contains("contribution \(accepted.hex): status")
      })
  }

  @Test func aReviewByANonCuratorWrittenByHandIsReported() throws {
    let (fixture, _, _) = try curated()
    let target = try fixture.contribute([sentence(9)], by: fixture.bob)
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: fixture.datanet.id, parents: try heads(fixture), actor: fixture.bob.account,
        time: "2026-01-01T00:00:00.000Z",
        body: .contributionReview(
          ContributionReview(contribution: target, decision: .accept, reason: "mine"))),
      by: fixture.bob)
    try insertByHand(forged, fixture, status: "accepted")
    // The store's own tools now believe it.
    #expect(try fixture.curation.contribution(target.hex).status == .accepted)

    let report = try fixture.store.verifyLedger(datanet: fixture.datanet.id)
    let refused = try #require(report.findings.first { $0.kind == .refused })
    #expect(refused.event == forged.id)
    #expect(refused.message.contains(forged.id.hex))
    #expect(refused.message.contains("may not review contributions to 'papers'"))
    #expect(
      report.findings.contains {
        $0.kind == .catalogMismatch && $0.event == forged.id
      })
    #expect(
      report.findings.contains {
        $0.kind == .catalogMismatch
          && $0.message.contains("status 'accepted' in the catalog, 'pending' on replay")
      })
  }

  @Test func aMissingParentIsReportedWithTheEventID() throws {
    let (fixture, _, pending) = try curated()
    let ghost = Digest.of(Data("no such event".utf8))
    let orphan = try SignedEvent.sign(
      EventPayload(
        datanet: fixture.datanet.id, parents: [ghost], actor: fixture.alice.account,
        time: "2026-01-01T00:00:00.000Z",
        body: .recordTakedown(RecordTakedown(contribution: pending, reason: "again"))),
      by: fixture.alice)
    try fixture.store.objects.put(orphan.bytes)
    let report = try fixture.store.verifyLedger()
    let finding = try #require(report.findings.first { $0.event == orphan.id })
    #expect(finding.kind == .missingParent)
    #expect(finding.message.contains("names parent \(ghost.hex), which is not in the store"))
    // Nothing else: the catalog never listed it.
    #expect(report.findings.count == 1)
  }

  @Test func aTombstoneForALiveRecordIsReported() throws {
    let (fixture, accepted, _) = try curated()
    let shard = try fixture.store.catalog.read { db in
      try String.fetchOne(
        db,
        sql:
          "SELECT s.id FROM shards s JOIN contributions c ON c.num = s.contribution WHERE c.id = ?",
        arguments: [accepted.hex]
      ).flatMap(Digest.init(hex:))
    }
    let original = try #require(shard)
    // A forged redaction that erases the first (live) record of the accepted contribution.
    let writer = try fixture.store.objects.makeWriter()
    try ShardFormat.redactedMagic.withUnsafeBytes { try writer.append($0) }
    try original.bytes.withUnsafeBytes { try writer.append($0) }
    var first = true
    var erased: RecordID?
    try ShardReader(data: fixture.store.objects.read(original)).forEachRecord { bytes, _ in
      if first {
        first = false
        erased = RecordID(of: bytes)
        var marker = ShardFormat.tombstone.littleEndian
        try withUnsafeBytes(of: &marker) { try writer.append($0) }
        try erased!.bytes.withUnsafeBytes { try writer.append($0) }
      } else {
        var length = UInt32(bytes.count).littleEndian
        try withUnsafeBytes(of: &length) { try writer.append($0) }
        try writer.append(bytes)
      }
    }
    let redacted = try writer.finish()
    try fixture.store.objects.remove(original)
    let report = try fixture.store.verifyLedger()
    let finding = try #require(report.findings.first { $0.kind == .badTombstone })
    #expect(finding.record == erased?.digest)
    #expect(finding.object == redacted)
  }
}
