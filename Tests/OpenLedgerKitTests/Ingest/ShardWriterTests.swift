import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct ShardWriterTests {
  /// An object store in a fresh folder, with its staging folder made.
  func makeObjects(_ directory: TemporaryDirectory) throws -> ObjectStore {
    let objects = ObjectStore(root: "\(directory.path)/objects", staging: "\(directory.path)/tmp")
    try FileSystem.makeDirectory(objects.root)
    try FileSystem.makeDirectory(objects.staging)
    return objects
  }

  /// Records of varied sizes, some larger than the writer's 1 MiB blocks: slices of one
  /// seeded pool of bytes, at different offsets.
  func records() -> [[UInt8]] {
    var generator = SplitMix64(seed: 7)
    var pool = [UInt8]()
    pool.reserveCapacity((1 << 20) + 40_000)
    while pool.count < (1 << 20) + 32_768 {
      withUnsafeBytes(of: generator.next()) { pool.append(contentsOf: $0) }
    }
    return (0..<150).map { index in
      let start = Int(generator.next() % 8192)
      let count = index % 40 == 0 ? (1 << 20) + index : Int(generator.next() % 20_000)
      return Array(pool[start..<start + count])
    }
  }

  @Test func shardsHoldEveryRecordWhereAppendSaid() throws {
    let directory = try TemporaryDirectory()
    let objects = try makeObjects(directory)
    let writer = ShardWriter(objects: objects, targetSize: 2 << 20)
    let input = records()
    let locations = try input.map { record in
      try record.withUnsafeBytes { try writer.append($0, id: RecordID(of: $0)) }
    }
    let shards = try writer.finish()
    #expect(shards.count >= 3)
    #expect(shards.map(\.records).reduce(0, +) == input.count)
    #expect(locations.last?.shard == shards.count - 1)
    var read = [[UInt8]]()
    for (position, shard) in shards.enumerated() {
      let data = try objects.read(shard.id)
      #expect(data.count == shard.bytes)
      var count = 0
      try ShardReader(data: data).forEachRecord { bytes, offset in
        let index = read.count
        #expect(
          locations[index]
            == StoredRecord(
              id: RecordID(of: bytes), shard: position, offset: offset, length: bytes.count))
        read.append(Array(bytes))
        count += 1
      }
      #expect(count == shard.records)
    }
    #expect(read == input)
    #expect(try FileSystem.list(objects.staging).isEmpty)
  }

  @Test func aWriterLeftUnfinishedLeavesNothingBehind() throws {
    let directory = try TemporaryDirectory()
    let objects = try makeObjects(directory)
    do {
      let writer = ShardWriter(objects: objects, targetSize: 2 << 20)
      for record in records().prefix(60) {
        _ = try record.withUnsafeBytes { try writer.append($0, id: RecordID(of: $0)) }
      }
    }
    #expect(try FileSystem.list(objects.staging).isEmpty)
  }

  @Test func aFailureOnTheQueueSurfaces() throws {
    let directory = try TemporaryDirectory()
    // No staging folder: the queue cannot start a shard.
    let objects = ObjectStore(root: "\(directory.path)/objects", staging: "\(directory.path)/tmp")
    let writer = ShardWriter(objects: objects)
    #expect(throws: SystemError.self) {
      for record in records() {
        _ = try record.withUnsafeBytes { try writer.append($0, id: RecordID(of: $0)) }
      }
      _ = try writer.finish()
    }
  }
}
