import Foundation

/// A shard is an object holding many records, so a million records are not a million files.
///
/// Layout: the 8 bytes `OLSHARD1`, then each record as a 32-bit little-endian length followed
/// by its canonical bytes. A record's catalog entry points at its bytes: (shard, offset, length).
public enum ShardFormat {
  public static let magic = Array("OLSHARD1".utf8)
  /// Shards are cut at about this size; a record is never split between shards.
  public static let targetSize = 64 << 20
}

/// A shard as listed in a contribution event.
public struct ShardInfo: Codable, Sendable, Equatable {
  public var id: Digest
  public var records: Int
  public var bytes: Int
}

/// Where a record's bytes are.
public struct RecordLocation: Sendable, Equatable {
  /// The index of the shard in its contribution's list.
  public var shard: Int
  public var offset: Int
  public var length: Int
}

/// A record written to a shard.
struct StoredRecord {
  var id: RecordID
  var location: RecordLocation
}

/// Streams records into shard objects, starting a new shard when one is full.
final class ShardWriter {
  private let objects: ObjectStore
  private let targetSize: Int
  private var current: ObjectWriter?
  private var currentRecords = 0
  private(set) var finished: [ShardInfo] = []
  private var header = [UInt8](repeating: 0, count: 4)

  init(objects: ObjectStore, targetSize: Int = ShardFormat.targetSize) {
    self.objects = objects
    self.targetSize = targetSize
  }

  /// Appends a record and returns where it landed.
  func append(_ record: UnsafeRawBufferPointer) throws -> RecordLocation {
    if let writer = current, writer.count + 4 + record.count > targetSize, currentRecords > 0 {
      try close(writer)
    }
    let writer = try current ?? open()
    var length = UInt32(record.count).littleEndian
    try withUnsafeBytes(of: &length) { try writer.append($0) }
    let offset = writer.count
    try writer.append(record)
    currentRecords += 1
    return RecordLocation(shard: finished.count, offset: offset, length: record.count)
  }

  /// Closes the last shard and returns all of them.
  func finish() throws -> [ShardInfo] {
    if let writer = current { try close(writer) }
    return finished
  }

  private func open() throws -> ObjectWriter {
    let writer = try objects.makeWriter()
    try ShardFormat.magic.withUnsafeBytes { try writer.append($0) }
    current = writer
    currentRecords = 0
    return writer
  }

  private func close(_ writer: ObjectWriter) throws {
    let bytes = writer.count
    let id = try writer.finish()
    finished.append(ShardInfo(id: id, records: currentRecords, bytes: bytes))
    current = nil
  }
}

/// Reads the records of a shard in order.
struct ShardReader {
  let data: Data

  enum Failure: Error { case malformed(offset: Int) }

  /// Calls `body` with each record's bytes and offset.
  func forEachRecord(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
    try data.withUnsafeBytes { bytes in
      guard bytes.count >= 8, Array(bytes[0..<8]) == ShardFormat.magic else {
        throw Failure.malformed(offset: 0)
      }
      var offset = 8
      while offset < bytes.count {
        guard offset + 4 <= bytes.count else { throw Failure.malformed(offset: offset) }
        let length = Int(
          UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        offset += 4
        guard offset + length <= bytes.count else { throw Failure.malformed(offset: offset) }
        try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), offset)
        offset += length
      }
    }
  }
}
