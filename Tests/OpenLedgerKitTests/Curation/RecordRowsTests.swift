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
}
