/// The last stage of ingestion: stores each new record's canonical bytes in the shards of a
/// `ShardWriter` (contribute), or only says where they would go (fingerprint and validate,
/// which have no writer). Once the input is refused, nothing more is written: a contribution
/// is all or nothing, and the records' places are not needed.
final class RecordSaver {
  private let shards: ShardWriter?
  /// Whether records go into shards: there is a writer and the input is not refused.
  private(set) var isSaving: Bool

  init(shards: ShardWriter?) {
    self.shards = shards
    isSaving = shards != nil
  }

  /// Writes nothing from now on.
  func stop() {
    isSaving = false
  }

  /// Stores `canonical`, the bytes of record `id`, and returns where; when not saving, a place
  /// in shard 0 at offset 0 with the record's length.
  func save(_ canonical: UnsafeRawBufferPointer, id: RecordID) throws -> StoredRecord {
    guard isSaving, let shards else {
      return StoredRecord(id: id, shard: 0, offset: 0, length: canonical.count)
    }
    return try shards.append(canonical, id: id)
  }
}
