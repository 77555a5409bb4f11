import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// A store with the JSONL Datanet `papers` (alice owns and curates it) and helpers to contribute.
struct CurationFixture {
  let base: Fixture
  let datanet: SignedEvent

  init() throws {
    base = try Fixture()
    datanet = try base.createDatanet()
  }

  var store: Store { base.store }
  var curation: Curation { Curation(store: base.store) }
  var alice: Identity { base.alice }
  var bob: Identity { base.bob }
  var clock: FixedClock { base.clock }

  /// Contributes JSONL lines with the given texts as `identity`; returns the contribution id.
  @discardableResult
  func contribute(_ texts: [String], by identity: Identity, name: String = UUID().uuidString)
    throws -> Digest
  {
    let path = "\(base.directory.path)/\(name).jsonl"
    let lines = texts.map { "{\"text\": \"\($0)\"}\n" }.joined()
    try Data(lines.utf8).write(to: URL(fileURLWithPath: path))
    let outcome = try Contributor(store: store).contribute(
      to: "papers", inputs: [.path(path)], by: identity, options: IngestOptions(), clock: clock)
    return try #require(outcome.event).id
  }

  func state() throws -> DatanetState { try base.ledger.datanet("papers") }

  /// The published records' texts, in order.
  func published() throws -> [String] {
    var texts = [String]()
    var extractor = RecordText(schema: try state().schema)
    try DatanetRecords(store: store, datanet: try state()).forEachRecord { record in
      texts.append(String(decoding: extractor.extract(record.bytes), as: UTF8.self))
    }
    return texts
  }

  func status(_ contribution: Digest) throws -> ContributionStatus {
    try curation.contribution(contribution.hex).status
  }

  func objectCount() throws -> Int {
    var malformed = [String]()
    return try store.objects.allObjects(malformed: &malformed).count
  }

  /// The catalog's curation state, for comparing before and after a rebuild.
  func curationState() throws -> [String] {
    try store.catalog.read { db in
      let contributions = try Row.fetchAll(
        db,
        sql: """
          SELECT id, status, reviewer, reviewed, reason, decision FROM contributions ORDER BY id
          """
      ).map { $0.description }
      let removed = try Row.fetchAll(
        db, sql: "SELECT hex(id) AS id, event FROM removed_records ORDER BY id"
      ).map { $0.description }
      let records = try Row.fetchAll(
        db,
        sql: """
          SELECT hex(r.id) AS id, c.id AS contribution FROM records r
          JOIN contributions c ON c.num = r.contribution ORDER BY r.id
          """
      ).map { $0.description }
      return contributions + removed + records
    }
  }
}

/// A long enough sentence that near-duplicate detection leaves it alone.
func sentence(_ n: Int) -> String {
  let words = [
    "amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "inlet", "juniper",
    "kestrel", "larch", "maple", "nettle", "osprey", "poplar", "quartz", "rowan", "sorrel",
    "tamarack",
  ]
  var state = UInt64(n) &* 0x9e37_79b9_7f4a_7c15 &+ 1
  return (0..<12).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return words[Int(state >> 59) % words.count]
  }.joined(separator: " ") + " number \(n)"
}

@Suite struct CurationTests {
  @Test func onlyCuratorsReviewAndARefusalWritesNothing() throws {
    let fixture = try CurationFixture()
    let first = try fixture.contribute([sentence(1), sentence(2)], by: fixture.bob)
    let second = try fixture.contribute([sentence(3)], by: fixture.bob)
    let objects = try fixture.objectCount()
    do {
      try fixture.curation.review(
        [first.hex], decision: .accept, reason: "", by: fixture.bob, clock: fixture.clock)
      Issue.record("a non-curator accepted a contribution")
    } catch let error as LedgerError {
      #expect(error.kind == .permissionDenied)
      #expect(error.description.contains("only its curators may"))
    }
    #expect(try fixture.objectCount() == objects)
    #expect(try fixture.status(first) == .pending)
    #expect(try fixture.base.ledger.events(of: fixture.datanet.id).count == 3)

    // A prefix of 8 digits names the contribution.
    try fixture.curation.review(
      [String(first.hex.prefix(8))], decision: .accept, reason: "good", by: fixture.alice,
      clock: fixture.clock)
    try fixture.curation.review(
      [second.hex], decision: .reject, reason: "off topic", by: fixture.alice, clock: fixture.clock)
    #expect(try fixture.status(first) == .accepted)
    let rejected = try fixture.curation.contribution(second.hex)
    #expect(rejected.status == .rejected)
    #expect(rejected.reason == "off topic")
    #expect(rejected.decidedBy == fixture.alice.account)
    #expect(try fixture.published() == [sentence(1), sentence(2)])

    do {
      try fixture.curation.review(
        [first.hex], decision: .reject, reason: "changed my mind", by: fixture.alice,
        clock: fixture.clock)
      Issue.record("a contribution was reviewed twice")
    } catch let error as CurationError {
      #expect(error.kind == .dataError)
      #expect(error.description.contains("already accepted"))
    }
    #expect(throws: CurationError.self) {
      try fixture.curation.review(
        [first.hex], decision: .reject, reason: " ", by: fixture.alice, clock: fixture.clock)
    }
  }

  @Test func reviewingSeveralIsAllOrNothing() throws {
    let fixture = try CurationFixture()
    let first = try fixture.contribute([sentence(1)], by: fixture.bob)
    let second = try fixture.contribute([sentence(2)], by: fixture.bob)
    try fixture.curation.review(
      [second.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    #expect(throws: CurationError.self) {
      try fixture.curation.review(
        [first.hex, second.hex], decision: .accept, reason: "", by: fixture.alice,
        clock: fixture.clock)
    }
    #expect(try fixture.status(first) == .pending)
    let events = try fixture.curation.review(
      [first.hex, first.hex], decision: .accept, reason: "", by: fixture.alice,
      clock: fixture.clock)
    #expect(events.count == 1)
  }

  @Test func onlyTheContributorWithdrawsWhilePending() throws {
    let fixture = try CurationFixture()
    let mine = try fixture.contribute([sentence(1), sentence(2)], by: fixture.bob)
    do {
      try fixture.curation.withdraw(mine.hex, reason: nil, by: fixture.alice, clock: fixture.clock)
      Issue.record("someone else withdrew a contribution")
    } catch let error as LedgerError {
      #expect(error.kind == .permissionDenied)
    }
    let event = try fixture.curation.withdraw(
      mine.hex, reason: "wrong file", by: fixture.bob, clock: fixture.clock)
    #expect(try fixture.status(mine) == .withdrawn)
    #expect(try fixture.curation.removedRecords(by: event.id).count == 2)
    do {
      try fixture.curation.review(
        [mine.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
      Issue.record("a withdrawn contribution was reviewed")
    } catch let error as CurationError {
      #expect(error.description.contains("was withdrawn"))
    }
    #expect(throws: CurationError.self) {
      try fixture.curation.withdraw(mine.hex, reason: nil, by: fixture.bob, clock: fixture.clock)
    }
  }

  @Test func takedownRemovesRecordsFromThePublishedData() throws {
    let fixture = try CurationFixture()
    let first = try fixture.contribute([sentence(1), sentence(2), sentence(3)], by: fixture.bob)
    try fixture.curation.review(
      [first.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    let state = try fixture.state()
    var ids = [RecordID]()
    try DatanetRecords(store: fixture.store, datanet: state).forEachRecord { ids.append($0.id) }
    #expect(ids.count == 3)

    #expect(throws: LedgerError.self) {
      try fixture.curation.takeDown(
        records: [ids[1].hex], of: "papers", reason: "personal data", by: fixture.bob,
        clock: fixture.clock)
    }
    let event = try fixture.curation.takeDown(
      records: [String(ids[1].hex.prefix(10))], of: "papers", reason: "personal data",
      by: fixture.alice, clock: fixture.clock)
    #expect(try fixture.published() == [sentence(1), sentence(3)])
    let published = try DatanetRecords(store: fixture.store, datanet: state)
    #expect(try published.count().records == 2)
    #expect(try published.removed() == [RemovedRecord(record: ids[1], event: event.id)])
    do {
      try fixture.curation.takeDown(
        records: [ids[1].hex], of: "papers", reason: "again", by: fixture.alice,
        clock: fixture.clock)
      Issue.record("a record was taken down twice")
    } catch let error as CurationError {
      #expect(error.description.contains(event.id.hex))
    }
    #expect(throws: CurationError.self) {
      try fixture.curation.takeDown(
        records: ["0000000000"], of: "papers", reason: "x", by: fixture.alice,
        clock: fixture.clock)
    }
    try fixture.curation.takeDown(
      contribution: first.hex, of: "papers", reason: "licence", by: fixture.alice,
      clock: fixture.clock)
    #expect(try fixture.published().isEmpty)
    #expect(throws: CurationError.self) {
      try fixture.curation.takeDown(
        contribution: first.hex, of: "papers", reason: "licence", by: fixture.alice,
        clock: fixture.clock)
    }
  }

  /// Records of a rejected or withdrawn contribution may be contributed again, and are then
  /// credited to the new contribution; a taken-down record is not stored again.
  @Test func rejectedAndWithdrawnRecordsMayComeBackTakenDownOnesMayNot() throws {
    let fixture = try CurationFixture()
    let rejected = try fixture.contribute([sentence(1)], by: fixture.bob)
    try fixture.curation.review(
      [rejected.hex], decision: .reject, reason: "spam", by: fixture.alice, clock: fixture.clock)
    let withdrawn = try fixture.contribute([sentence(2)], by: fixture.bob)
    try fixture.curation.withdraw(withdrawn.hex, reason: nil, by: fixture.bob, clock: fixture.clock)
    let again = try fixture.contribute([sentence(1), sentence(2)], by: fixture.alice)
    try fixture.curation.review(
      [again.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    #expect(try fixture.published() == [sentence(1), sentence(2)])
    var credited = [Digest]()
    try DatanetRecords(store: fixture.store, datanet: try fixture.state()).forEachRecord {
      credited.append($0.contribution)
    }
    #expect(credited == [again, again])

    let taken = try fixture.contribute([sentence(3)], by: fixture.bob)
    try fixture.curation.takeDown(
      contribution: taken.hex, of: "papers", reason: "copyright", by: fixture.alice,
      clock: fixture.clock)
    let path = "\(fixture.base.directory.path)/retry.jsonl"
    try Data("{\"text\": \"\(sentence(3))\"}\n".utf8).write(to: URL(fileURLWithPath: path))
    let outcome = try Contributor(store: fixture.store).contribute(
      to: "papers", inputs: [.path(path)], by: fixture.bob, options: IngestOptions(),
      clock: fixture.clock)
    #expect(outcome.event == nil)
    #expect(outcome.report.exactDuplicatesInDatanet == 1)

    let before = try fixture.curationState()
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.isEmpty)
    #expect(try fixture.curationState() == before)
  }

  @Test func rebuildingReplaysCurationToTheSameCatalog() throws {
    let fixture = try CurationFixture()
    let first = try fixture.contribute([sentence(1), sentence(2)], by: fixture.bob)
    let second = try fixture.contribute([sentence(3)], by: fixture.bob)
    let third = try fixture.contribute([sentence(4)], by: fixture.bob)
    try fixture.curation.review(
      [first.hex], decision: .accept, reason: "ok", by: fixture.alice, clock: fixture.clock)
    try fixture.curation.review(
      [second.hex], decision: .reject, reason: "no", by: fixture.alice, clock: fixture.clock)
    try fixture.curation.withdraw(third.hex, reason: "oops", by: fixture.bob, clock: fixture.clock)
    var ids = [RecordID]()
    try DatanetRecords(store: fixture.store, datanet: try fixture.state()).forEachRecord {
      ids.append($0.id)
    }
    try fixture.curation.takeDown(
      records: [ids[0].hex], of: "papers", reason: "pii", by: fixture.alice, clock: fixture.clock)
    let before = try fixture.curationState()
    let published = try fixture.published()
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.isEmpty)
    #expect(report.eventsApplied == 8)
    #expect(try fixture.curationState() == before)
    #expect(try fixture.published() == published)
    #expect(published == [sentence(2)])
  }

  /// A review signed by someone who is not a curator, written into the store by hand, is
  /// refused on replay.
  @Test func replayRefusesAReviewByANonCurator() throws {
    let fixture = try CurationFixture()
    let contribution = try fixture.contribute([sentence(1)], by: fixture.bob)
    let heads = try fixture.store.catalog.read { db in
      try Ledger.heads(of: fixture.datanet.id, in: db)
    }
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: fixture.datanet.id, parents: heads, actor: fixture.bob.account,
        time: "2026-01-01T00:00:00.000Z",
        body: .contributionReview(
          ContributionReview(contribution: contribution, decision: .accept, reason: ""))),
      by: fixture.bob)
    try fixture.store.objects.put(forged.bytes)
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [forged.id.hex])
    #expect(report.rejected.first?.reason.contains("only its curators may") == true)
    #expect(try fixture.status(contribution) == .pending)
  }

  @Test func eventBodiesRoundTrip() throws {
    let id = Digest.of(Data("x".utf8))
    for body: EventBody in [
      .contributionReview(ContributionReview(contribution: id, decision: .reject, reason: "r")),
      .contributionWithdraw(ContributionWithdraw(contribution: id, reason: "")),
      .recordTakedown(RecordTakedown(records: [id, id], reason: "r")),
      .recordTakedown(RecordTakedown(contribution: id, reason: "r")),
    ] {
      let payload = EventPayload(
        datanet: id, parents: [id], actor: try Fixture().alice.account,
        time: "2026-01-01T00:00:00.000Z", body: body)
      let data = try CanonicalEncoder.encode(payload)
      #expect(try JSONDecoder().decode(EventPayload.self, from: data) == payload)
    }
    let takedown = RecordTakedown(records: [id, id], reason: "r")
    #expect(takedown.records == [id])
    #expect(
      String(decoding: try CanonicalEncoder.encode(takedown), as: UTF8.self)
        == "{\"reason\":\"r\",\"records\":[\"\(id.hex)\"]}")
    #expect(ContributionWithdraw(contribution: id, reason: "").reason == nil)
  }

  @Test func recordTextIsTheSchemasTextFields() throws {
    var text = RecordText(
      schema: DatanetSchema(format: .jsonl, textFields: ["title", "body"]))
    let record = Array(#"{"body":"second","n":1,"title":"first"}"#.utf8)
    #expect(
      record.withUnsafeBytes { String(decoding: text.extract($0), as: UTF8.self) }
        == "first\nsecond")
    var plain = RecordText(schema: DatanetSchema(format: .text))
    #expect(Array("a\nb".utf8).withUnsafeBytes { plain.extract($0) } == Array("a\nb".utf8))
  }
}

/// `gc` erases removed records' bytes; replay still works from the redacted shards.
@Suite struct ShardRedactionTests {
  /// Whether any object file in the store contains `text`.
  func storeContains(_ text: String, _ fixture: CurationFixture) throws -> Bool {
    var malformed = [String]()
    let needle = Data(text.utf8)
    return try fixture.store.objects.allObjects(malformed: &malformed).contains { id in
      try fixture.store.objects.read(id, verify: false).range(of: needle) != nil
    }
  }

  @Test func gcErasesTakenDownAndWithdrawnRecords() throws {
    let fixture = try CurationFixture()
    let kept = try fixture.contribute([sentence(1), sentence(2), sentence(3)], by: fixture.bob)
    let withdrawn = try fixture.contribute([sentence(4), sentence(5)], by: fixture.bob)
    try fixture.curation.review(
      [kept.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    try fixture.curation.withdraw(withdrawn.hex, reason: nil, by: fixture.bob, clock: fixture.clock)
    let record = Array("{\"text\":\"\(sentence(2))\"}".utf8).withUnsafeBytes { RecordID(of: $0) }
    try fixture.curation.takeDown(
      records: [record.hex], of: "papers", reason: "pii", by: fixture.alice, clock: fixture.clock)
    #expect(try storeContains(sentence(2), fixture))
    #expect(try storeContains(sentence(4), fixture))

    let report = try fixture.store.gc(dryRun: false, clock: fixture.clock)
    #expect(report.shardsRedacted.count == 2)
    #expect(report.recordsErased == 3)
    #expect(report.objectsRemoved.count == 2)
    for text in [sentence(2), sentence(4), sentence(5)] {
      #expect(try !storeContains(text, fixture), "\(text) is still in the store")
    }
    #expect(try storeContains(sentence(3), fixture))
    #expect(try fixture.published() == [sentence(1), sentence(3)])
    #expect(try fixture.store.fsck().isClean)
    let details = try fixture.curation.details(of: kept.hex, recordLimit: nil)
    #expect(details.records.map(\.text) == [sentence(1), nil, sentence(3)])
    #expect(details.recordsRemoved == 1)

    let again = try fixture.store.gc(dryRun: false, clock: fixture.clock)
    #expect(again.shardsRedacted.isEmpty && again.objectsRemoved.isEmpty)

    // Withdrawn records may come back, and are credited to the new contribution.
    let back = try fixture.contribute([sentence(4)], by: fixture.alice)
    try fixture.curation.review(
      [back.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    #expect(try fixture.published() == [sentence(1), sentence(3), sentence(4)])

    let before = try fixture.curationState()
    let rebuilt = try fixture.store.rebuildCatalog()
    #expect(rebuilt.rejected.isEmpty)
    #expect(try fixture.curationState() == before)
    #expect(try fixture.published() == [sentence(1), sentence(3), sentence(4)])
    #expect(try fixture.store.gc(dryRun: false, clock: fixture.clock).objectsRemoved.isEmpty)
  }
}
