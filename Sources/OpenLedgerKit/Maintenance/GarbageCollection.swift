import Foundation

/// What `gc` removed, or would remove.
public struct GCReport: Codable, Sendable {
  public var dryRun: Bool
  public var objectsKept: Int
  /// Unreferenced objects, sorted.
  public var objectsRemoved: [Digest]
  public var bytesFreed: Int
  /// Temporary files left in `tmp/` by interrupted commands.
  public var stagingFilesRemoved: Int
  /// Index files and attribution segment directories no longer listed in the catalog (merged,
  /// or left by interrupted commands).
  public var indexFilesRemoved: Int
  /// Shards rewritten without the bytes of removed records (their old ids, which are then
  /// removed), and how many records' bytes were erased.
  public var shardsRedacted: [Digest]
  public var recordsErased: Int
  /// Attribution indexes rewritten without the removed records their segments held.
  public var indexesCompacted: [IndexCompaction]
}

extension Store {
  /// Removes the objects the catalog does not reference, and staging files of interrupted
  /// commands; first erases removed records' bytes, from the shards and from the attribution
  /// indexes (compacting those whose segments hold any; `clock` dates the new segments). Holds
  /// the store lock exclusively, so no running writer loses an object it is about to record.
  /// `progress` is called with the objects looked at so far and their total.
  public func gc(
    dryRun: Bool, clock: any Clock,
    progress: (_ objects: Int, _ total: Int) -> Void = { _, _ in }
  ) throws -> GCReport {
    let lock = try lock(.exclusive)
    defer { withExtendedLifetime(lock) {} }
    // Every journal is stale under the exclusive lock: undo the writes that died.
    if !dryRun { try ObjectJournal.recover(in: self) }
    // A takedown wins over reproducibility: the segments that held removed text are retired,
    // so `manifest verify --recompute` of epochs that queried them names them as retired.
    let compactions = try compactIndexesHoldingRemovedRecords(dryRun: dryRun, clock: clock)
    // Removed records' bytes go first: their shards are rewritten, and the old ones are then
    // unreferenced like any other object.
    let redaction = try redactRemovedRecords(dryRun: dryRun)
    var malformed = [String]()
    let ids = try objects.allObjects(malformed: &malformed)
    let referenced = try catalog.read { db in try ObjectRefs.all(in: db) }
    var removed = [Digest]()
    var freed = 0
    for (index, id) in ids.enumerated() {
      progress(index + 1, ids.count)
      guard referenced[id] == nil else { continue }
      freed += (try? objects.size(of: id)) ?? 0
      removed.append(id)
      if !dryRun { try objects.remove(id) }
    }
    let staged = try FileSystem.list(objects.staging).filter { $0.hasPrefix("staged-") }
    let indexFiles = try unlistedIndexFiles()
    let segmentDirectories = try unlistedAttributionSegments()
    if !dryRun {
      for name in staged { try FileSystem.remove("\(objects.staging)/\(name)") }
      for path in indexFiles { try FileSystem.remove(path) }
      for path in segmentDirectories { removeDirectory(path) }
    }
    return GCReport(
      dryRun: dryRun, objectsKept: ids.count - removed.count, objectsRemoved: removed,
      bytesFreed: freed, stagingFilesRemoved: staged.count,
      indexFilesRemoved: indexFiles.count + segmentDirectories.count,
      shardsRedacted: redaction.shards, recordsErased: redaction.records,
      indexesCompacted: compactions)
  }
}
