import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// A contribution keeps where each record came from in a provenance object its signed event
/// names; replay checks it.
@Suite struct ContributionProvenanceTests {
  let fixture: CurationFixture

  init() throws {
    fixture = try CurationFixture()
  }

  /// bob contributes a file whose second line repeats the first; returns its event and body.
  func contribute() throws -> (SignedEvent, ContributionSubmit) {
    let path = "\(fixture.base.directory.path)/notes.jsonl"
    try Data(
      [sentence(0), sentence(0), sentence(1)].map { "{\"text\": \"\($0)\"}\n" }.joined().utf8
    ).write(to: URL(fileURLWithPath: path))
    let outcome = try Contributor(store: fixture.store).contribute(
      to: "papers", inputs: [.path(path)], by: fixture.bob, options: IngestOptions(),
      clock: fixture.clock, workingDirectory: fixture.base.directory.path)
    let event = try #require(outcome.event)
    guard case .contributionSubmit(let body) = event.payload.body else {
      throw CocoaError(.coderInvalidValue)
    }
    return (event, body)
  }

  @Test func theEventNamesAnObjectWithEachRecordsLine() throws {
    let (_, body) = try contribute()
    let id = try #require(body.provenance)
    let provenance = try Provenance.decode(fixture.store.objects.read(id), name: id.hex)
    #expect(provenance.records == 2)
    #expect(
      provenance.source(ofRecord: 0) == RecordSource(path: "notes.jsonl", entry: nil, line: 1))
    // The duplicate on line 2 was not stored: the second record is line 3.
    #expect(
      provenance.source(ofRecord: 1) == RecordSource(path: "notes.jsonl", entry: nil, line: 3))
    let kind = try fixture.store.catalog.read { db in
      try String.fetchOne(db, sql: "SELECT kind FROM objects WHERE id = ?", arguments: [id.hex])
    }
    #expect(kind == "provenance")
  }

  @Test func replayRefusesAContributionWhoseProvenanceIsMissing() throws {
    let (event, body) = try contribute()
    try fixture.store.objects.remove(try #require(body.provenance))
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [event.id.hex])
    #expect(try fixture.curation.contributions(of: "papers", status: nil, contributor: nil).isEmpty)
  }
}
