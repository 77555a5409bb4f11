import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// What a killed write leaves, and how the next write undoes it: the objects of a journal
/// whose writer died, and staging files nobody holds.
@Suite struct InterruptedWriteTests {
  /// Sets the modification time of `path` to `seconds` ago.
  func age(_ path: String, by seconds: Int) {
    let then = timeval(tv_sec: time(nil) - seconds, tv_usec: 0)
    _ = [then, then].withUnsafeBufferPointer { utimes(path, $0.baseAddress) }
  }

  @Test func aStaleStagingFileIsSweptAndALiveOneIsNot() throws {
    let fixture = try Fixture()
    let staging = fixture.store.objects.staging
    // What a killed process leaves: a staging file nobody holds.
    let left = "\(staging)/staged-KILLED1"
    try Data(count: 4096).write(to: URL(fileURLWithPath: left))
    age(left, by: 3600)
    // A fresh one nobody holds yet (its writer is between creating and locking it).
    let fresh = "\(staging)/staged-FRESH01"
    try Data(count: 10).write(to: URL(fileURLWithPath: fresh))
    // One a live writer holds, however old.
    let live = try StagedFile(in: staging)
    try live.write(Data(count: 100))
    age(live.temporaryPath, by: 3600)

    let stale = try fixture.store.staleStagingFiles()
    #expect(stale.map(\.path) == [left])
    #expect(stale.first?.bytes == 4096)
    let report = try StoreValidator(store: fixture.store).validate(datanet: nil)
    let warning = report.checks.flatMap(\.findings).first { $0.code == "stale-staging-file" }
    #expect(warning?.severity == .warning)
    #expect(warning?.file == left)

    // The next write sweeps it.
    _ = try fixture.createDatanet()
    #expect(!FileSystem.exists(left))
    #expect(FileSystem.exists(fresh))
    #expect(FileSystem.exists(live.temporaryPath))
  }

  @Test func theObjectsOfADeadWritersJournalAreUndoneByTheNextWrite() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    // A writer signed two events, listed them, stored one, and died before committing.
    let events = try (0..<2).map { n in
      try SignedEvent.sign(
        EventPayload(
          datanet: create.id, parents: [create.id], actor: fixture.alice.account,
          time: "2026-01-01T00:00:0\(n).000Z",
          body: .datanetUpdate(DatanetUpdate(description: "update \(n)"))),
        by: fixture.alice)
    }
    do {
      let journal = try ObjectJournal.begin(events.map(\.id), in: fixture.store)
      try fixture.store.objects.put(events[0].bytes)
      // The writer is alive: a replay leaves its event out without a word.
      let underWay = try fixture.store.verifyLedger()
      #expect(underWay.findings.isEmpty, "\(underWay.findings)")
      withExtendedLifetime(journal) {}
    }
    // Dropped without finish: its lock is gone, as when the process dies.
    let verification = try fixture.store.verifyLedger()
    #expect(verification.isClean)
    #expect(verification.findings.map(\.kind) == [.interruptedWrite])
    #expect(verification.events == 1)

    try fixture.ledger.append(
      .datanetUpdate(DatanetUpdate(description: "after")), to: create.id, by: fixture.alice,
      clock: fixture.clock)
    #expect(!fixture.store.objects.contains(events[0].id))
    #expect(try FileSystem.list("\(fixture.store.root)/journal").isEmpty)
    #expect(try fixture.store.verifyLedger().findings.isEmpty)
  }

  @Test func aJournalWhoseWriteCommittedRemovesNothing() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    // Committed, then killed before the journal was removed.
    _ = try ObjectJournal.begin([create.id], in: fixture.store)
    #expect(try ObjectJournal.recover(in: fixture.store) == 0)
    #expect(fixture.store.objects.contains(create.id))
    #expect(try FileSystem.list("\(fixture.store.root)/journal").isEmpty)
  }
}
