import Foundation
import GRDB

/// The shards a pull fetched, read as each arrived, on the fetching threads while the others
/// are still coming: their entries for the catalog's rows and their records' signatures for the
/// near-duplicate index, so that folding them reads and hashes none of them again.
final class PulledShards: Sendable {
  /// The schema the signatures are computed with: the Datanet's as the pull begins.
  let schema: DatanetSchema
  private let read = Locked([Digest: ShardSignatures]())

  init(schema: DatanetSchema) {
    self.schema = schema
  }

  /// Reads shard `id` from `bytes`, which the caller has checked against its name. A shard that
  /// is not well-formed is left out: folding reads it again and refuses its event, saying why.
  func add(_ id: Digest, bytes: Data) {
    guard let signatures = try? ShardSignatures(shard: bytes, schema: schema) else { return }
    read.withLock { $0[id] = signatures }
  }

  /// Every shard's entries (`ContributionCatalog.insert`'s `listed`), by object id.
  var entries: [Digest: [StoredRecord]] {
    read.withLock { $0.mapValues(\.entries) }
  }

  /// Shard `id`'s signatures, if it was read and the Datanet's schema is still `schema`.
  func signatures(of id: Digest, schema: DatanetSchema) -> ShardSignatures? {
    guard schema == self.schema else { return nil }
    return read.withLock { $0[id] }
  }
}

extension Store {
  /// Adds to `datanet`'s near-duplicate index the records credited to the contributions of
  /// `events` (pulled ones, folded incrementally), as one segment: a contribution written here
  /// brings its segment with it, one pulled must have it computed, or the next contribution
  /// would not be compared with its records.
  /// `pulled` holds the signatures computed as the shards arrived.
  func indexNearDuplicates(
    of events: [SignedEvent], in datanet: Digest, pulled: PulledShards?, db: Database
  ) throws {
    let contributions = events.filter { $0.payload.type == .contributionSubmit }.map(\.id.hex)
    guard !contributions.isEmpty, let state = try DatanetRow.load(datanet, in: db) else {
      return
    }
    let num = try DatanetRow.number(of: datanet, in: db)
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
    // These shards were hashed as they arrived, or read and verified by folding the
    // contributions in this transaction (each one's records, or the redaction
    // `ShardLocator.settle` chose): not hashed again.
    let (ids, signatures) = try creditedSignatures(
      of: shards, datanet: num, schema: state.schema, verify: false,
      computed: { pulled?.signatures(of: $0, schema: state.schema) }, db: db)
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
