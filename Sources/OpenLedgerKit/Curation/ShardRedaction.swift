import Foundation
import GRDB

extension Store {
  /// Erases the bytes of removed records: every shard that still holds a removed record is
  /// rewritten as a redacted shard (`ShardFormat`), with a tombstone in the record's place, and
  /// the catalog points at the new object. The old shard is then unreferenced, and the rest of
  /// `gc` deletes it. The events, which name the original shard, keep the history; replay finds
  /// the redacted shard through the original's id in its header.
  ///
  /// Called by `gc` with the store lock held exclusively. Returns the ids of the shards
  /// rewritten (or, with `dryRun`, that would be) and how many records were erased.
  func redactRemovedRecords(dryRun: Bool) throws -> (shards: [Digest], records: Int) {
    let targets = try catalog.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT s.num AS num, s.id AS id, r.datanet AS datanet, COUNT(*) AS removed
          FROM removed_records x JOIN records r ON r.datanet = x.datanet AND r.id = x.id
          JOIN shards s ON s.num = r.shard
          WHERE r.length > 0 GROUP BY s.num ORDER BY s.num
          """
      ).compactMap { row -> (num: Int64, id: Digest, datanet: Int64, removed: Int)? in
        guard let id = Digest(hex: row["id"]) else { return nil }
        return (row["num"], id, row["datanet"], row["removed"])
      }
    }
    if dryRun { return (targets.map(\.id), targets.reduce(0) { $0 + $1.removed }) }
    var removedByDatanet = [Int64: Set<RecordID>]()
    var rewritten = [Digest]()
    var erased = 0
    for target in targets {
      if removedByDatanet[target.datanet] == nil {
        removedByDatanet[target.datanet] = try catalog.read { db in
          Set(
            try Data.fetchAll(
              db, sql: "SELECT id FROM removed_records WHERE datanet = ?",
              arguments: [target.datanet]
            ).map { data in data.withUnsafeBytes { RecordID(bytes: $0) } })
        }
      }
      let redaction = try redact(target.id, removing: removedByDatanet[target.datanet]!)
      let applied = try catalog.write { db -> Bool in
        // Another gc may have rewritten the shard meanwhile.
        guard
          try String.fetchOne(
            db, sql: "SELECT id FROM shards WHERE num = ?", arguments: [target.num])
            == target.id.hex
        else { return false }
        // The same bytes contributed again make the same shard object: every contribution of
        // the Datanet that reads it gets the redaction, or the erased bytes would stay.
        let sharing = try Int64.fetchAll(
          db,
          sql: """
            SELECT s.num FROM shards s JOIN contributions c ON c.num = s.contribution
            WHERE s.id = ? AND c.datanet = ? ORDER BY s.num
            """, arguments: [target.id.hex, target.datanet])
        for num in sharing {
          try ShardRows.replace(
            num, datanet: target.datanet, old: target.id, new: redaction.object,
            size: redaction.size, entries: redaction.entries, in: db)
        }
        return true
      }
      if applied {
        rewritten.append(target.id)
        erased += redaction.erased
      }
    }
    return (rewritten, erased)
  }

  /// Writes the redacted copy of shard `id` without the bytes of the records in `removed`.
  private func redact(_ id: Digest, removing removed: Set<RecordID>) throws -> (
    object: Digest, size: Int, erased: Int, entries: [StoredRecord]
  ) {
    let reader = ShardReader(data: try objects.read(id))
    let writer = try objects.makeWriter()
    try ShardFormat.redactedMagic.withUnsafeBytes { try writer.append($0) }
    try (reader.original ?? id).bytes.withUnsafeBytes { try writer.append($0) }
    var entries = [StoredRecord]()
    var erased = 0
    func appendLength(_ value: UInt32) throws {
      var length = value.littleEndian
      try withUnsafeBytes(of: &length) { try writer.append($0) }
    }
    do {
      try reader.forEachEntry { entry in
        switch entry {
        case .record(let bytes, _):
          let record = RecordID(of: bytes)
          if removed.contains(record) {
            try appendLength(ShardFormat.tombstone)
            entries.append(StoredRecord(id: record, shard: 0, offset: writer.count, length: 0))
            try record.bytes.withUnsafeBytes { try writer.append($0) }
            erased += 1
          } else {
            try appendLength(UInt32(bytes.count))
            entries.append(
              StoredRecord(id: record, shard: 0, offset: writer.count, length: bytes.count))
            try writer.append(bytes)
          }
        case .tombstone(let record, _):
          try appendLength(ShardFormat.tombstone)
          entries.append(StoredRecord(id: record, shard: 0, offset: writer.count, length: 0))
          try record.bytes.withUnsafeBytes { try writer.append($0) }
        }
      }
    } catch is ShardReader.Failure {
      throw CurationError.malformedShard(id)
    }
    let size = writer.count
    return (try writer.finish(), size, erased, entries)
  }
}
