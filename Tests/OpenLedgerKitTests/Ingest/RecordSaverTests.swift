import Foundation
import Testing

@testable import OpenLedgerKit

/// The saver stores new records in shards, until the input is refused.
@Suite struct RecordSaverTests {
  func save(_ text: String, with saver: RecordSaver) throws -> StoredRecord {
    try Array(text.utf8).withUnsafeBytes { try saver.save($0, id: RecordID(of: $0)) }
  }

  @Test func recordsGoIntoShardsUntilSavingStops() throws {
    let directory = try TemporaryDirectory()
    let objects = try ShardWriterTests().makeObjects(directory)
    let shards = ShardWriter(objects: objects)
    let saver = RecordSaver(shards: shards)
    #expect(saver.isSaving)
    let first = try save("{\"text\":\"first\"}", with: saver)
    let second = try save("{\"text\":\"second\"}", with: saver)
    saver.stop()
    let late = "{\"text\":\"after the refusal\"}"
    let refused = try save(late, with: saver)
    #expect(!saver.isSaving)
    #expect(refused.shard == 0 && refused.offset == 0 && refused.length == late.utf8.count)
    let list = try shards.finish()
    #expect(list.count == 1 && list[0].records == 2, "nothing written after stop")
    var read = [String]()
    try ShardReader(data: try objects.read(list[0].id)).forEachRecord { bytes, offset in
      read.append(String(decoding: bytes, as: UTF8.self))
      #expect([first.offset, second.offset][read.count - 1] == offset)
    }
    #expect(read == ["{\"text\":\"first\"}", "{\"text\":\"second\"}"])
    #expect(first.length == 16 && second.shard == 0 && second.offset > first.offset)
  }

  @Test func withoutAShardWriterNothingIsSaved() throws {
    let saver = RecordSaver(shards: nil)
    #expect(!saver.isSaving)
    let text = "{\"text\":\"kept nowhere\"}"
    let record = try save(text, with: saver)
    #expect(record.id == Array(text.utf8).withUnsafeBytes { RecordID(of: $0) })
    #expect(record.shard == 0 && record.offset == 0 && record.length == text.utf8.count)
  }
}
