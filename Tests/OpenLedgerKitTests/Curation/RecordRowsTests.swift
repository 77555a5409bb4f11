import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

@Suite struct RecordRowsTests {
  /// 600 records: more rows than one INSERT statement carries (256), and not a multiple of it.
  @Test func everyRecordRowPointsAtItsOwnBytes() throws {
    let fixture = try CurationFixture()
    try fixture.contribute((0..<600).map { "record \($0) of a contribution" }, by: fixture.alice)
    let rows = try fixture.store.catalog.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT r.id, s.id AS shard, r.offset, r.length FROM records r
          JOIN shards s ON s.num = r.shard
          """)
    }
    #expect(rows.count == 600)
    var shards = [String: Data]()
    for row in rows {
      let shard: String = row["shard"]
      let data = try shards[shard] ?? fixture.store.objects.read(try #require(Digest(hex: shard)))
      shards[shard] = data
      let (offset, length): (Int, Int) = (row["offset"], row["length"])
      let bytes = Data(data[(data.startIndex + offset)..<(data.startIndex + offset + length)])
      let id: Data = row["id"]
      #expect(Digest.of(bytes).bytes == Array(id), "a row names the SHA-256 of its bytes")
    }
    // Rebuilding writes the same rows through the same path, from the shards alone.
    let before = try fixture.curationState()
    _ = try fixture.store.rebuildCatalog()
    #expect(try fixture.curationState() == before)
  }

  /// `insert` counts the records it credits: a new one, or one whose contribution was
  /// rejected; not one a live contribution holds (so a writer can tell it was overtaken).
  @Test func insertCountsTheRecordsItCredits() throws {
    let fixture = try CurationFixture()
    let held = try fixture.contribute((0..<300).map { "record \($0), held" }, by: fixture.alice)
    let freed = try fixture.contribute(["a record whose contribution is rejected"], by: fixture.bob)
    try fixture.curation.review(
      [freed.hex], decision: .reject, reason: "no", by: fixture.alice, clock: fixture.clock)
    let credited = try fixture.store.catalog.write { db -> Int in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT r.id, r.datanet, r.shard, c.num AS contribution FROM records r
          JOIN contributions c ON c.num = r.contribution ORDER BY c.num
          """)
      let records = rows.map { row in
        let id: Data = row["id"]
        return StoredRecord(
          id: id.withUnsafeBytes { RecordID(bytes: $0) }, shard: 0, offset: 0, length: 1)
      }
      let new = StoredRecord(
        id: Array("a new record".utf8).withUnsafeBytes { RecordID(of: $0) }, shard: 0,
        offset: 0, length: 1)
      #expect(records.count == 301)
      return try RecordRows.insert(
        records + [new], datanet: rows[0]["datanet"], contribution: rows[0]["contribution"],
        shards: [rows[0]["shard"]], in: db)
    }
    #expect(credited == 2, "the new record and the rejected one; not the 300 held")
    #expect(held != freed)
  }
}
