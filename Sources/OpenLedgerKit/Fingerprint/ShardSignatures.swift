import Foundation
import GRDB
import GRDBSQLite

/// The ids and compact MinHash signatures of a shard's records, computed on all cores: what a
/// near-duplicate segment is made of when records arrive as shards (pulled, or read back to
/// rebuild the index) rather than through ingestion, whose workers compute their own.
struct ShardSignatures {
  /// The records' ids, in shard order (tombstones are passed over).
  var ids: [RecordID]
  /// `CompactSignature.count` values per record, in the order of `ids`.
  var signatures: [UInt16]
  /// Every entry of the shard, tombstones included, in order (as `StoredRecord.list` gives
  /// them, at position 0): what its catalog rows are made of, with the ids computed once.
  var entries: [StoredRecord]

  /// Reads the records of shard `data`, of a Datanet of `schema`; on several threads from
  /// `minimumCount` records on. The result does not depend on the number of threads.
  init(shard data: Data, schema: DatanetSchema, minimumCount: Int = 256) throws {
    var ranges = [Range<Int>]()
    // Each record's place among the entries.
    var places = [Int]()
    var entries = [StoredRecord]()
    try ShardReader(data: data).forEachEntry { entry in
      switch entry {
      case .record(let bytes, let offset):
        places.append(entries.count)
        ranges.append(offset..<offset + bytes.count)
        entries.append(
          StoredRecord(
            id: RecordID(words: (0, 0, 0, 0)), shard: 0, offset: offset, length: bytes.count))
      case .tombstone(let id, let offset):
        entries.append(StoredRecord(id: id, shard: 0, offset: offset, length: 0))
      }
    }
    let width = CompactSignature.count
    var ids = [RecordID](repeating: RecordID(words: (0, 0, 0, 0)), count: ranges.count)
    var signatures = [UInt16](repeating: 0, count: ranges.count * width)
    data.withUnsafeBytes { bytes in
      ids.withUnsafeMutableBufferPointer { ids in
        signatures.withUnsafeMutableBufferPointer { signatures in
          // Each chunk writes only the slots of its own records.
          Parallel.forEachChunk(count: ranges.count, minimumCount: minimumCount) { chunk in
            var text = RecordText(schema: schema)
            let hasher = MinHasher()
            for index in chunk {
              let record = UnsafeRawBufferPointer(rebasing: bytes[ranges[index]])
              let id = RecordID(of: record)
              ids[index] = id
              let signature = CompactSignature.compute(
                text: text.extract(record), id: id, hasher: hasher)
              for (k, value) in signature.enumerated() { signatures[index * width + k] = value }
            }
          }
        }
      }
    }
    for (index, place) in places.enumerated() { entries[place].id = ids[index] }
    self.ids = ids
    self.signatures = signatures
    self.entries = entries
  }
}

extension Store {
  /// The ids and signatures of the records of `shards` (object id and shard number, in
  /// segment order) credited to Datanet `datanet` (its number): a near-duplicate segment's
  /// entries. `verify` re-hashes each shard as it is read; a caller that verified it in the
  /// same transaction passes false. `computed` gives the signatures a caller already holds for
  /// a shard (of the same schema), which is then not read.
  func creditedSignatures(
    of shards: [(id: Digest, num: Int64)], datanet: Int64, schema: DatanetSchema,
    verify: Bool = true, computed known: (Digest) -> ShardSignatures? = { _ in nil },
    db: Database
  ) throws -> (ids: [RecordID], signatures: [UInt16]) {
    var ids = [RecordID]()
    var signatures = [UInt16]()
    let width = CompactSignature.count
    let credited = try db.cachedStatement(
      sql: "SELECT 1 FROM records WHERE datanet = ? AND id = ? AND shard = ?")
    for shard in shards {
      let computed =
        try known(shard.id)
        ?? ShardSignatures(shard: objects.read(shard.id, verify: verify), schema: schema)
      let isCredited = try Self.areCredited(
        computed.ids, datanet: datanet, shard: shard.num, with: credited)
      if !isCredited.contains(false) {
        ids += computed.ids
        signatures += computed.signatures
        continue
      }
      for (index, id) in computed.ids.enumerated() where isCredited[index] {
        ids.append(id)
        signatures.append(contentsOf: computed.signatures[index * width..<(index + 1) * width])
      }
    }
    return (ids, signatures)
  }

  /// Whether each of `ids` is credited to shard `shard` of Datanet `datanet`, by `statement`
  /// (datanet, id, shard). A clone asks this of every record it pulled, so the look-ups go
  /// through SQLite's C API with nothing allocated per record, in id order: they walk the
  /// records' B-tree from left to right.
  private static func areCredited(
    _ ids: [RecordID], datanet: Int64, shard: Int64, with prepared: Statement
  ) throws -> [Bool] {
    let statement = prepared.sqliteStatement
    var credited = [Bool](repeating: false, count: ids.count)
    sqlite3_reset(statement)
    sqlite3_bind_int64(statement, 1, datanet)
    sqlite3_bind_int64(statement, 3, shard)
    defer {
      sqlite3_reset(statement)
      sqlite3_clear_bindings(statement)
    }
    var key = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    for index in ids.indices.sorted(by: { ids[$0].words.0 < ids[$1].words.0 }) {
      let words = ids[index].words
      key = (words.0.bigEndian, words.1.bigEndian, words.2.bigEndian, words.3.bigEndian)
      // The key's bytes are bound without a copy (SQLITE_STATIC) for the one step that reads them.
      let code = withUnsafeBytes(of: &key) { bytes in
        sqlite3_bind_blob(statement, 2, bytes.baseAddress, 32, nil)
        return sqlite3_step(statement)
      }
      guard code == SQLITE_ROW || code == SQLITE_DONE else {
        throw DatabaseError(
          resultCode: ResultCode(rawValue: code),
          message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))),
          sql: prepared.sql)
      }
      sqlite3_reset(statement)
      credited[index] = code == SQLITE_ROW
    }
    return credited
  }
}
