import Foundation

/// A shard is an object holding many records, so a million records are not a million files.
///
/// Layout: the 8 bytes `OLSHARD1`, then each record as a 32-bit little-endian length followed
/// by its canonical bytes. A record's catalog entry points at its bytes: (shard, offset, length).
///
/// A **redacted shard** is what `gc` writes in place of a shard some of whose records were
/// removed (taken down or withdrawn): the 8 bytes `OLSHARDR`, the 32-byte id of the shard it
/// replaces (the one the contribution's event names), then the same entries in the same order,
/// except that each removed record is a **tombstone**: the length `0xFFFFFFFF` followed by the
/// record's 32-byte id instead of its bytes.
public enum ShardFormat {
  public static let magic = Array("OLSHARD1".utf8)
  public static let redactedMagic = Array("OLSHARDR".utf8)
  /// The length field that marks a tombstone.
  public static let tombstone = UInt32.max
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

  /// One entry of a shard: a record's bytes, or the tombstone of a record `gc` erased. The
  /// offset is where the bytes (or the tombstone's record id) start.
  enum Entry {
    case record(UnsafeRawBufferPointer, offset: Int)
    case tombstone(RecordID, offset: Int)
  }

  /// For a redacted shard, the id of the shard it replaces.
  var original: Digest? {
    guard data.count >= 40, data.prefix(8).elementsEqual(ShardFormat.redactedMagic) else {
      return nil
    }
    return Digest(bytes: data[data.startIndex + 8..<data.startIndex + 40])
  }

  /// Calls `body` with each record's bytes and offset; tombstones are passed over.
  func forEachRecord(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
    try forEachEntry { entry in
      if case .record(let bytes, let offset) = entry { try body(bytes, offset) }
    }
  }

  /// Calls `body` with each entry, records and tombstones, in order.
  func forEachEntry(_ body: (Entry) throws -> Void) throws {
    try data.withUnsafeBytes { bytes in
      guard bytes.count >= 8 else { throw Failure.malformed(offset: 0) }
      let magic = Array(bytes[0..<8])
      var offset: Int
      if magic == ShardFormat.magic {
        offset = 8
      } else if magic == ShardFormat.redactedMagic, bytes.count >= 40 {
        offset = 40
      } else {
        throw Failure.malformed(offset: 0)
      }
      while offset < bytes.count {
        guard offset + 4 <= bytes.count else { throw Failure.malformed(offset: offset) }
        let length = UInt32(
          littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        offset += 4
        if length == ShardFormat.tombstone {
          guard offset + 32 <= bytes.count else { throw Failure.malformed(offset: offset) }
          let id = RecordID(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 32]))
          try body(.tombstone(id, offset: offset))
          offset += 32
          continue
        }
        let end = offset + Int(length)
        guard end <= bytes.count else { throw Failure.malformed(offset: offset) }
        try body(.record(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), offset: offset))
        offset = end
      }
    }
  }
}
