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

/// A record in a shard: its id and where its bytes are. The one type for a record's place,
/// from the shard writer to the catalog's rows and `gc`'s redactions.
struct StoredRecord: Equatable {
  var id: RecordID
  /// The shard's position in its contribution's list of shards.
  var shard: Int
  /// Where the record's bytes start in the shard object.
  var offset: Int
  /// The record's length; 0 for a tombstone (records are never empty).
  var length: Int

  /// The records of shard object `id` (at `shard` in its contribution's list), in order.
  static func read(_ id: Digest, shard: Int = 0, objects: ObjectStore) throws -> [StoredRecord] {
    try list(try objects.read(id), shard: shard)
  }

  /// The records of a shard's bytes, in order, tombstones included; throws
  /// `ShardReader.Failure` when malformed.
  static func list(_ data: Data, shard: Int = 0) throws -> [StoredRecord] {
    var records = [StoredRecord]()
    try ShardReader(data: data).forEachEntry { entry in
      switch entry {
      case .record(let bytes, let offset):
        records.append(
          StoredRecord(id: RecordID(of: bytes), shard: shard, offset: offset, length: bytes.count))
      case .tombstone(let id, let offset):
        records.append(StoredRecord(id: id, shard: shard, offset: offset, length: 0))
      }
    }
    return records
  }
}

/// Streams records into shard objects, starting a new shard when one is full.
///
/// The caller's thread only lays records out and copies them into 1 MiB blocks; hashing the
/// blocks, writing them, and syncing and naming each finished shard happen in order on a
/// serial queue of the writer's own, so reading and deciding go on while the disk catches up.
/// At most 16 blocks wait there; past that, `append` waits. A failure there is
/// reported by the next `append` or by `finish`, and the queue does nothing more after it.
final class ShardWriter {
  private let targetSize: Int
  private let queue = DispatchQueue(label: "openledger.shards")
  private let pool = BlockPool(blockSize: 1 << 20, count: 16)
  private let sink: Sink

  /// The shard being filled: its size so far, its records, and the block not yet handed over.
  private var size = 0
  private var records = 0
  private var block: UnsafeMutableRawBufferPointer?
  private var blockFill = 0
  private var shardCount = 0

  /// The queue's side: the shard being written and those finished, touched only on `queue`,
  /// and the first error, which the caller's thread reads under a lock.
  private final class Sink: @unchecked Sendable {
    let objects: ObjectStore
    var writer: ObjectWriter?
    var finished: [ShardInfo] = []
    private let lock = NSLock()
    private var error: Error?

    init(objects: ObjectStore) { self.objects = objects }

    var failure: Error? { lock.withLock { error } }

    func record(_ error: Error) {
      lock.withLock { if self.error == nil { self.error = error } }
    }

    /// Hashes and writes `bytes` into the current shard, starting it if needed.
    func write(_ bytes: UnsafeRawBufferPointer) {
      guard failure == nil else { return }
      do {
        // A contribution's shards are read again only by a later command (`index build`,
        // `export`): writing them around the cache spares a copy of every byte.
        let current = try writer ?? objects.makeWriter(aroundCache: true)
        writer = current
        try current.append(bytes)
      } catch {
        record(error)
      }
    }

    /// Syncs the current shard and moves it to its name.
    func close(records: Int, bytes: Int) {
      guard failure == nil, let current = writer else { return }
      writer = nil
      do {
        finished.append(ShardInfo(id: try current.finish(), records: records, bytes: bytes))
      } catch {
        record(error)
      }
    }
  }

  init(objects: ObjectStore, targetSize: Int = ShardFormat.targetSize) {
    self.targetSize = targetSize
    sink = Sink(objects: objects)
  }

  deinit {
    // Let queued work end and give its blocks back before the pool goes (the block still
    // held too); a shard never finished is removed with its staged file.
    queue.sync {}
    if let block { pool.give(block) }
  }

  /// Appends record `id` and returns where it landed.
  func append(_ record: UnsafeRawBufferPointer, id: RecordID) throws -> StoredRecord {
    if size > 0, size + 4 + record.count > targetSize, records > 0 {
      try closeShard()
    }
    if size == 0 {
      try ShardFormat.magic.withUnsafeBytes { try copy($0) }
      size = ShardFormat.magic.count
    }
    var length = UInt32(record.count).littleEndian
    try withUnsafeBytes(of: &length) { try copy($0) }
    let offset = size + 4
    try copy(record)
    size = offset + record.count
    records += 1
    return StoredRecord(id: id, shard: shardCount, offset: offset, length: record.count)
  }

  /// Closes the shard being filled without waiting for the queue to write it.
  func close() throws {
    if size > 0 { try closeShard() }
  }

  /// Closes the last shard, waits for every shard to be written, and returns them in order.
  func finish() throws -> [ShardInfo] {
    try close()
    let sink = self.sink
    return try queue.sync {
      if let error = sink.failure { throw error }
      return sink.finished
    }
  }

  /// Copies `bytes` into blocks, handing each full block to the queue.
  private func copy(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let current = try block ?? newBlock()
      let count = min(bytes.count - offset, current.count - blockFill)
      (current.baseAddress! + blockFill).copyMemory(
        from: bytes.baseAddress! + offset, byteCount: count)
      blockFill += count
      offset += count
      if blockFill == current.count { handOver() }
    }
  }

  private func newBlock() throws -> UnsafeMutableRawBufferPointer {
    if let error = sink.failure { throw error }
    let fresh = pool.take()
    block = fresh
    blockFill = 0
    return fresh
  }

  /// Hands the current block to the queue, which hashes and writes it into the current shard.
  private func handOver() {
    guard let full = block else { return }
    let handed = UncheckedSendable((block: full, count: blockFill))
    block = nil
    blockFill = 0
    let (sink, pool) = (self.sink, self.pool)
    queue.async {
      sink.write(UnsafeRawBufferPointer(rebasing: handed.value.block[0..<handed.value.count]))
      pool.give(handed.value.block)
    }
  }

  /// Ends the current shard: the queue syncs it and moves it to its name.
  private func closeShard() throws {
    handOver()
    let (sink, records, bytes) = (self.sink, self.records, size)
    queue.async { sink.close(records: records, bytes: bytes) }
    shardCount += 1
    size = 0
    self.records = 0
    if let error = sink.failure { throw error }
  }
}

/// Reads the records of a shard in order, refusing an empty record and an entry that runs
/// past the end.
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
        // Records are never empty: the catalog takes a length of 0 for a tombstone.
        let end = offset + Int(length)
        guard length > 0, end <= bytes.count else { throw Failure.malformed(offset: offset) }
        try body(.record(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), offset: offset))
        offset = end
      }
    }
  }
}
