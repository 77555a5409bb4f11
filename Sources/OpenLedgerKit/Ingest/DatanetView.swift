import Foundation
import GRDB

/// What ingestion needs to know of a Datanet, read inside one catalog read transaction: whether
/// it holds a record, and its near-duplicate index.
final class DatanetView {
  let num: Int64
  private let db: Database
  private let isEmpty: Bool
  private let segments: [NearDuplicateSegment]

  init(num: Int64, db: Database, indexDirectory: String) throws {
    self.num = num
    self.db = db
    isEmpty =
      try Bool.fetchOne(
        db, sql: "SELECT NOT EXISTS(SELECT 1 FROM records WHERE datanet = ?)", arguments: [num])
      ?? true
    segments = try NearDuplicateIndex.segments(of: num, in: db, directory: indexDirectory)
  }

  /// Whether the Datanet holds record `id` (see `RecordStanding`): a new contribution does not
  /// store it again.
  func contains(_ id: RecordID) throws -> Bool {
    try exists(id, Self.heldRecord)
  }

  /// Whether record `id` is part of the Datanet's content (pending or accepted, not removed),
  /// and so a possible near-duplicate match.
  func isLive(_ id: RecordID) throws -> Bool {
    try exists(id, Self.liveRecord)
  }

  /// The queries of `contains` and `isLive`, given the Datanet's number and a record id; built
  /// once, not for every record looked up.
  private static let heldRecord =
    "SELECT 1 FROM records r WHERE r.datanet = ? AND r.id = ? AND \(RecordStanding.held("r"))"
  private static let liveRecord =
    "SELECT 1 FROM records r WHERE r.datanet = ? AND r.id = ? AND \(RecordStanding.live("r"))"

  /// Whether `query`, given the Datanet's number and a record id, finds a row.
  private func exists(_ id: RecordID, _ query: String) throws -> Bool {
    if isEmpty { return false }
    let statement = try db.cachedStatement(sql: query)
    return try Bool.fetchOne(statement, arguments: [num, id.data]) ?? false
  }

  /// The Datanet record most similar to `signature`, at or above `threshold`.
  func nearestMatch(_ signature: UnsafeBufferPointer<UInt16>, threshold: Double) throws -> (
    id: RecordID, similarity: Double
  )? {
    if isEmpty { return nil }
    var best: (id: RecordID, similarity: Double)?
    var candidates = [Int]()
    for segment in segments {
      candidates.removeAll(keepingCapacity: true)
      for band in 0..<CompactSignature.bands {
        try segment.records(
          withKey: CompactSignature.bandKey(band, signature), into: &candidates)
      }
      for candidate in Set(candidates) {
        let similarity = CompactSignature.agreement(signature, segment.signature(candidate))
        guard similarity >= threshold, similarity > (best?.similarity ?? 0) else { continue }
        let id = segment.recordID(candidate)
        // A record taken down or whose contribution was rejected or withdrawn no longer counts.
        if try isLive(id) { best = (id, similarity) }
      }
    }
    return best
  }
}

/// The files of each Datanet's near-duplicate index, as the catalog lists them.
enum NearDuplicateIndex {
  static func directory(of datanet: Digest, indexes: String) -> String {
    "\(indexes)/\(datanet.hex)/near-duplicates"
  }

  static func segments(of datanet: Int64, in db: Database, directory: String) throws
    -> [NearDuplicateSegment]
  {
    try String.fetchAll(
      db, sql: "SELECT file FROM near_duplicate_segments WHERE datanet = ? ORDER BY file",
      arguments: [datanet]
    ).map { try NearDuplicateSegment(path: "\(directory)/\($0)") }
  }
}
