import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// Contributions written at the same time into one Datanet, as two processes would.
@Suite struct ConcurrentContributionTests {
  let fixture: CurationFixture
  let texts = (0..<3).map { sentence($0) }

  init() throws {
    fixture = try CurationFixture()
  }

  /// A JSONL file of `texts` in the fixture's directory.
  func file(_ name: String, _ texts: [String]) throws -> InputPath {
    let path = "\(fixture.base.directory.path)/\(name).jsonl"
    try Data(texts.map { "{\"text\": \"\($0)\"}\n" }.joined().utf8).write(
      to: URL(fileURLWithPath: path))
    return .path(path)
  }

  func contribute(_ input: InputPath, by identity: Identity, pause: Pause? = nil) throws
    -> ContributionOutcome
  {
    try Contributor(store: fixture.store).contribute(
      to: "papers", inputs: [input], by: identity, options: IngestOptions(),
      clock: fixture.clock, progress: { _, _ in pause?.here() })
  }

  /// For each contribution: the record count its signed event states, and the records the
  /// catalog credits to it.
  func signedAndCredited() throws -> [(signed: Int, credited: Int)] {
    try fixture.store.catalog.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT c.records AS signed, (SELECT COUNT(*) FROM records r WHERE r.contribution = c.num)
            AS credited FROM contributions c ORDER BY c.num
          """
      ).map { (signed: $0["signed"], credited: $0["credited"]) }
    }
  }

  /// Bob contributes `first`, and while his contribution is reading, alice contributes
  /// `second`; returns both outcomes, once it is checked that each contribution is credited
  /// with the records its event signs for.
  func atOnce(_ first: [String], _ second: [String]) throws -> [ContributionOutcome] {
    let (first, second) = (try file("first", first), try file("second", second))
    let pause = Pause()
    let reading = OtherThread { try contribute(first, by: fixture.bob, pause: pause) }
    pause.waitUntilReached()
    let other = OtherThread { try contribute(second, by: fixture.alice) }
    // Whether the other contribution waits for the first or not, the first goes on after a
    // while; the outcome must be the same either way.
    _ = other.ended(within: 1)
    pause.release()
    let outcomes = [try reading.value(), try other.value()]
    for row in try signedAndCredited() {
      #expect(row.signed == row.credited, "a contribution signs what it is credited with")
    }
    return outcomes
  }

  /// Two contributions of the same records, the second started while the first is reading:
  /// one is credited with the records, and the other says they were in the Datanet already,
  /// never that it brought records it is not credited with.
  @Test func theSameRecordsContributedAtOnceAreCreditedOnceAndSignedTruthfully() throws {
    let outcomes = try atOnce(texts, texts)
    #expect(try signedAndCredited().map(\.signed) == [3], "one contribution, of three records")
    let stored = try #require(outcomes.first { $0.event != nil })
    let duplicate = try #require(outcomes.first { $0.event == nil })
    #expect(stored.report.recordsNew == 3)
    #expect(duplicate.report.recordsNew == 0)
    #expect(duplicate.report.exactDuplicatesInDatanet == 3)
    #expect(try fixture.base.ledger.statistics(of: fixture.datanet.id).records == 3)
    #expect(try fixture.store.verifyLedger().isClean)
  }

  /// Records of which some are new: the later contribution stores only those.
  @Test func overlappingContributionsAtOnceEachStoreWhatIsNew() throws {
    let outcomes = try atOnce(texts, [texts[1], sentence(7), texts[2], sentence(8)])
    #expect(try signedAndCredited().map(\.credited).reduce(0, +) == 5)
    #expect(outcomes.map(\.report.recordsNew).reduce(0, +) == 5)
    #expect(outcomes.map(\.report.exactDuplicatesInDatanet).reduce(0, +) == 2)
    #expect(try fixture.store.verifyLedger().isClean)
  }

  /// A writer that does not take turns (an older openledger; here, one whose lock file was
  /// replaced) stores the same records while a contribution reads: that contribution is
  /// refused with nothing stored, instead of signing for records credited to the other.
  @Test func aContributionOvertakenByAWriterWithoutTurnsIsRefused() throws {
    let first = try file("first", texts)
    let second = try file("second", texts)
    let pause = Pause()
    let reading = OtherThread { try contribute(first, by: fixture.bob, pause: pause) }
    pause.waitUntilReached()
    try FileSystem.remove("\(fixture.store.root)/locks/contribute-\(fixture.datanet.id.hex)")
    let other = try contribute(second, by: fixture.alice)
    #expect(other.report.recordsNew == 3)
    var malformed = [String]()
    let objects = try fixture.store.objects.allObjects(malformed: &malformed).count
    pause.release()
    #expect {
      try reading.value()
    } throws: { error in
      guard let error = error as? ContributionError, case .overtaken(_, let records) = error
      else { return false }
      return records == 3 && error.kind == .ioError
        && "\(error)".contains("Run the command again")
    }
    #expect(try signedAndCredited().map(\.signed) == [3])
    // Its shard and segment files may stay for `gc`; no event was stored.
    let events = try fixture.store.catalog.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events")
    }
    #expect(events == 2, "the Datanet and the other contribution")
    #expect(try fixture.store.objects.allObjects(malformed: &malformed).count <= objects + 1)
    #expect(try fixture.store.verifyLedger().isClean)
  }
}
