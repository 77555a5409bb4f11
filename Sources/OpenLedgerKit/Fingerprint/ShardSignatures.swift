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

  /// Reads the records of shard `data`, of a Datanet of `schema`; on several threads from
  /// `minimumCount` records on. The result does not depend on the number of threads.
  init(shard data: Data, schema: DatanetSchema, minimumCount: Int = 256) throws {
    let shard = try ShardEntries(shard: data, minimumCount: minimumCount)
    let records = shard.records.map { shard.entries[$0] }
    let width = CompactSignature.count
    var signatures = [UInt16](repeating: 0, count: records.count * width)
    data.withUnsafeBytes { bytes in
      signatures.withUnsafeMutableBufferPointer { signatures in
        // Each chunk writes only the slots of its own records.
        Parallel.forEachChunk(count: records.count, minimumCount: minimumCount) { chunk in
          var text = RecordText(schema: schema)
          let hasher = MinHasher()
          for index in chunk {
            let entry = records[index]
            let record = UnsafeRawBufferPointer(
              rebasing: bytes[entry.offset..<entry.offset + entry.length])
            let signature = CompactSignature.compute(
              text: text.extract(record), id: entry.id, hasher: hasher)
            for (k, value) in signature.enumerated() { signatures[index * width + k] = value }
          }
        }
      }
    }
    self.ids = records.map(\.id)
    self.signatures = signatures
  }
}

/// Every entry of a shard, tombstones included, in order (as `StoredRecord.list` gives them, at
/// position 0), with its records' ids computed on all cores: what the shard's catalog rows are
/// made of.
struct ShardEntries {
  var entries: [StoredRecord]
  /// Where the records (not the tombstones) are among `entries`, in order.
  var records: [Int]

  /// Reads shard `data`; its records' ids on several threads from `minimumCount` records on.
  init(shard data: Data, minimumCount: Int = 256) throws {
    var entries = [StoredRecord]()
    var records = [Int]()
    try ShardReader(data: data).forEachEntry { entry in
      switch entry {
      case .record(let bytes, let offset):
        records.append(entries.count)
        entries.append(
          StoredRecord(
            id: RecordID(words: (0, 0, 0, 0)), shard: 0, offset: offset, length: bytes.count))
      case .tombstone(let id, let offset):
        entries.append(StoredRecord(id: id, shard: 0, offset: offset, length: 0))
      }
    }
    data.withUnsafeBytes { bytes in
      entries.withUnsafeMutableBufferPointer { entries in
        // Each chunk writes only the entries of its own records.
        Parallel.forEachChunk(count: records.count, minimumCount: minimumCount) { chunk in
          for place in records[chunk] {
            let entry = entries[place]
            entries[place].id = RecordID(
              of: UnsafeRawBufferPointer(
                rebasing: bytes[entry.offset..<entry.offset + entry.length]))
          }
        }
      }
    }
    self.entries = entries
    self.records = records
  }
}

extension Store {
  /// The ids and signatures of the records of `shards` (object id and shard number, in
  /// segment order) credited to Datanet `datanet` (its number): a near-duplicate segment's
  /// entries. Each shard is re-hashed as it is read.
  func creditedSignatures(
    of shards: [(id: Digest, num: Int64)], datanet: Int64, schema: DatanetSchema, db: Database
  ) throws -> (ids: [RecordID], signatures: [UInt16]) {
    var ids = [RecordID]()
    var signatures = [UInt16]()
    let width = CompactSignature.count
    let credited = try db.cachedStatement(
      sql: "SELECT 1 FROM records WHERE datanet = ? AND id = ? AND shard = ?")
    for shard in shards {
      let computed = try ShardSignatures(
        shard: objects.read(shard.id, mapped: true), schema: schema)
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
