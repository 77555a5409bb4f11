import GRDB

extension Store {
  /// Adds to `datanet`'s near-duplicate index the records credited to the contributions of
  /// `events` (pulled ones, folded incrementally), as one segment: a contribution written here
  /// brings its segment with it, one pulled must have it computed, or the next contribution
  /// would not be compared with its records.
  func indexNearDuplicates(of events: [SignedEvent], in datanet: Digest, db: Database) throws {
    let contributions = events.filter { $0.payload.type == .contributionSubmit }.map(\.id.hex)
    guard !contributions.isEmpty, let state = try DatanetRow.load(datanet, in: db) else {
      return
    }
    let num = try ContributionCatalog.datanetNumber(datanet, in: db)
    var shards = [(id: Digest, num: Int64)]()
    for contribution in contributions {
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT s.id AS shard, s.num AS num FROM shards s JOIN contributions c
          ON c.num = s.contribution WHERE c.id = ? ORDER BY s.position
          """, arguments: [contribution])
      {
        guard let shard = Digest(hex: row["shard"]) else { continue }
        shards.append((shard, row["num"]))
      }
    }
    // Folding the contributions has just read and verified these shards in this transaction
    // (each one's records, or the redaction `ShardLocator.settle` chose): not hashed again.
    let (ids, signatures) = try creditedSignatures(
      of: shards, datanet: num, schema: state.schema, verify: false, db: db)
    guard !ids.isEmpty else { return }
    let directory = NearDuplicateIndex.directory(of: datanet, indexes: indexesDirectory)
    try FileSystem.makeDirectory(directory)
    let file = try NearDuplicateSegment.write(
      ids: ids, signatures: signatures, into: directory, stagingDirectory: "\(root)/tmp")
    try db.execute(
      sql:
        "INSERT OR IGNORE INTO near_duplicate_segments (datanet, file, records) VALUES (?, ?, ?)",
      arguments: [num, file, ids.count])
  }
}
