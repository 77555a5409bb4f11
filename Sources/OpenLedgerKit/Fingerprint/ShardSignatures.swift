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

  /// Reads the records of shard `data`, of a Datanet of `schema`; on several threads from
  /// `minimumCount` records on. The result does not depend on the number of threads.
  init(shard data: Data, schema: DatanetSchema, minimumCount: Int = 256) throws {
    var ranges = [Range<Int>]()
    try ShardReader(data: data).forEachRecord { bytes, offset in
      ranges.append(offset..<offset + bytes.count)
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
    self.ids = ids
    self.signatures = signatures
  }
}

extension Store {
  /// The ids and signatures of the records of `shards` (object id and shard number, in
  /// segment order) credited to Datanet `datanet` (its number): a near-duplicate segment's
  /// entries. `verify` re-hashes each shard as it is read; a caller that verified it in the
  /// same transaction passes false.
  func creditedSignatures(
    of shards: [(id: Digest, num: Int64)], datanet: Int64, schema: DatanetSchema,
    verify: Bool = true, db: Database
  ) throws -> (ids: [RecordID], signatures: [UInt16]) {
    var ids = [RecordID]()
    var signatures = [UInt16]()
    let width = CompactSignature.count
    let credited = try db.cachedStatement(
      sql: "SELECT 1 FROM records WHERE datanet = ? AND id = ? AND shard = ?")
    for shard in shards {
      let computed = try ShardSignatures(
        shard: objects.read(shard.id, verify: verify), schema: schema)
      for (index, id) in computed.ids.enumerated() {
        guard try Bool.fetchOne(credited, arguments: [datanet, id.data, shard.num]) == true else {
          continue
        }
        ids.append(id)
        signatures.append(contentsOf: computed.signatures[index * width..<(index + 1) * width])
      }
    }
    return (ids, signatures)
  }
}
