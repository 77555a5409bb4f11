import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct ShardSignaturesTests {
  /// JSONL records with text (some sharing most of their words) and a few without the text
  /// field (their signatures come from their ids), written into shards.
  func shards(_ objects: ObjectStore) throws -> [Digest] {
    var generator = SplitMix64(seed: 11)
    let words = (0..<300).map { "w\($0)" }
    let writer = ShardWriter(objects: objects, targetSize: 64 << 10)
    for index in 0..<1_500 {
      let line: String
      if index % 97 == 0 {
        line = "{\"other\":\(index)}"
      } else {
        let text = (0..<(8 + Int(generator.next() % 40))).map { _ in
          words[Int(generator.next() % UInt64(index % 3 == 0 ? 20 : words.count))]
        }.joined(separator: " ")
        line = "{\"text\":\"\(text) \(index)\"}"
      }
      _ = try Array(line.utf8).withUnsafeBytes { try writer.append($0, id: RecordID(of: $0)) }
    }
    return try writer.finish().map(\.id)
  }

  /// Computed on several threads, a shard's ids and signatures are the ones the one-thread
  /// loop the index used before computed, record for record and in order.
  @Test func onSeveralThreadsTheyMatchOneThreadsRecordForRecord() throws {
    let directory = try TemporaryDirectory()
    let objects = ObjectStore(root: "\(directory.path)/objects", staging: "\(directory.path)/tmp")
    try FileSystem.makeDirectory(objects.root)
    try FileSystem.makeDirectory(objects.staging)
    let schema = DatanetSchema(format: .jsonl, textFields: ["text"])
    let ids = try shards(objects)
    #expect(ids.count >= 2)
    var total = 0
    for shard in ids {
      let data = try objects.read(shard)
      var expectedIDs = [RecordID]()
      var expected = [UInt16]()
      var text = RecordText(schema: schema)
      let hasher = MinHasher()
      try ShardReader(data: data).forEachRecord { bytes, _ in
        let id = RecordID(of: bytes)
        expectedIDs.append(id)
        expected.append(
          contentsOf: CompactSignature.compute(text: text.extract(bytes), id: id, hasher: hasher))
      }
      for minimumCount in [1, 1 << 30] {
        let computed = try ShardSignatures(shard: data, schema: schema, minimumCount: minimumCount)
        #expect(computed.ids == expectedIDs)
        #expect(computed.signatures == expected)
      }
      #expect(expected.count == expectedIDs.count * CompactSignature.count)
      total += expectedIDs.count
    }
    #expect(total == 1_500)
  }
}
