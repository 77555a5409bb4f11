import Foundation
import GRDB

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
      // Asked in id order, the look-ups walk the records' B-tree from left to right.
      var isCredited = [Bool](repeating: false, count: computed.ids.count)
      for index in computed.ids.indices.sorted(by: {
        computed.ids[$0].words.0 < computed.ids[$1].words.0
      }) {
        isCredited[index] =
          try Bool.fetchOne(credited, arguments: [datanet, computed.ids[index].data, shard.num])
          == true
      }
      for (index, id) in computed.ids.enumerated() where isCredited[index] {
        ids.append(id)
        signatures.append(contentsOf: computed.signatures[index * width..<(index + 1) * width])
      }
    }
    return (ids, signatures)
  }
}
