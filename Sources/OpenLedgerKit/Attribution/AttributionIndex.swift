import Foundation
import GRDB

/// A Datanet's attribution index as the catalog lists it: segments over the records it
/// publishes (accepted, not removed), built incrementally and compacted.
///
/// ```swift
/// let index = AttributionIndex(store: store, datanet: try Ledger(store: store).datanet("papers"))
/// try index.build(clock: SystemClock())          // a segment for newly accepted records
/// let attributor = try index.attributor()        // segments mapped, removed records masked
/// let result = attributor.attribute(modelOutput)
/// ```
public struct AttributionIndex: Sendable {
  public let store: Store
  public let datanet: DatanetState
  /// The most token positions one segment holds before the build starts another. A build
  /// peaks at about 19 bytes a position (token array, suffix array, interner, the reduced
  /// problem), so the default, 2^28, keeps it near 5 GB; the suffix array allows up to 2^31.
  public let segmentCapacity: Int

  public static let defaultSegmentCapacity = 1 << 28

  public init(
    store: Store, datanet: DatanetState,
    segmentCapacity: Int = AttributionIndex.defaultSegmentCapacity
  ) {
    self.store = store
    self.datanet = datanet
    self.segmentCapacity = min(max(segmentCapacity, 1), SuffixArray.maximumCount - 1)
  }

  /// Where a Datanet's segments live: `indexes/<datanet id>/`, one directory per segment.
  public static func directory(of datanet: Digest, indexes: String) -> String {
    "\(indexes)/\(datanet.hex)"
  }

  private var directory: String {
    Self.directory(of: datanet.id, indexes: store.indexesDirectory)
  }

  /// A segment as the catalog lists it.
  public struct Segment: Codable, Sendable, Equatable {
    public var id: Digest
    public var tokens: Int
    public var records: Int
    /// Bytes of its files on disk.
    public var bytes: Int
    public var created: String
  }

  /// The segments of the index, by id.
  public func segments() throws -> [Segment] {
    try store.catalog.read(datanet: datanet.id) { db, num in
      return try Row.fetchAll(
        db,
        sql:
          "SELECT id, tokens, records, bytes, created FROM attribution_segments WHERE datanet = ? ORDER BY id",
        arguments: [num]
      ).map { row in
        Segment(
          id: Digest(hex: row["id"])!, tokens: row["tokens"], records: row["records"],
          bytes: row["bytes"], created: row["created"])
      }
    }
  }

  /// An attributor over the index's segments, with the Datanet's removed records masked. Each
  /// segment's tables (records, contributors, contributions, vocabulary, counts) are re-hashed
  /// first, so that an edited table cannot credit another account; its token and suffix arrays,
  /// most of its bytes, are not (the other overload re-hashes them for payouts), and the
  /// attributor's `integrity` says so.
  public func attributor(settings: AttributionSettings = AttributionSettings()) throws
    -> Attributor
  {
    let opened = try segments().map {
      try openSegment($0.id, verify: false, usedBy: "this query")
    }
    let removed = try DatanetRecords(store: store, datanet: datanet).removed()
    return try Attributor(
      segments: opened, removed: Set(removed.map(\.record)), settings: settings)
  }

  /// An attributor over the index as an earlier query saw it: the segments it used (still on
  /// disk unless `index compact` retired them), masking only the records removed by events the
  /// ledger heads of that moment descend from. `usedBy` names the query in errors.
  ///
  /// With `verify`, every file of every segment is re-hashed against the SHA-256 its manifest
  /// records (and the manifest against the segment's id) before any query, so that a segment
  /// file edited on disk cannot credit another account. Payouts (`rewards compute`,
  /// `manifest verify --recompute`) verify; it reads every byte once. Without it, the tables
  /// only are re-hashed, as for interactive queries.
  public func attributor(
    settings: AttributionSettings, segments ids: [Digest], ledgerHeads heads: [Digest],
    usedBy: String, verify: Bool
  ) throws -> Attributor {
    let opened = try ids.map { id -> IndexSegment in
      guard FileManager.default.fileExists(atPath: "\(directory)/\(id.hex)") else {
        throw AttributionError.retiredSegment(id, datanet: datanet.name, usedBy: usedBy)
      }
      return try openSegment(id, verify: verify, usedBy: usedBy)
    }
    let history = try Ledger(store: store).history(of: datanet.id, upTo: heads)
    let removed = try DatanetRecords(store: store, datanet: datanet).removed()
      .filter { history.contains($0.event) }
    return try Attributor(
      segments: opened, removed: Set(removed.map(\.record)), settings: settings)
  }

  /// Opens segment `id`, re-hashing its tables first, and with `verify` every file.
  private func openSegment(_ id: Digest, verify: Bool, usedBy: String) throws -> IndexSegment {
    do {
      return try IndexSegment(
        directory: "\(directory)/\(id.hex)", rehash: verify ? .all : .tables)
    } catch AttributionError.corruptSegment(_, let reason) {
      throw AttributionError.alteredSegment(
        id, datanet: datanet.name, usedBy: usedBy, reason: reason)
    }
  }

  // MARK: - Build

  /// What `build` or `compact` did.
  public struct BuildReport: Codable, Sendable, Equatable {
    /// The segments written.
    public var segments: [Segment]
    /// Accepted contributions newly covered (for compact: all of them).
    public var contributions: Int
    public var records: Int
    public var tokens: Int
    /// Segments retired by a compaction.
    public var retired: [Digest]
  }

  /// Adds a segment (or several, past `segmentCapacity`) for the accepted records that no
  /// segment covers yet. Nothing to add is not an error: the report is empty. `progress` is
  /// called with the records and bytes read so far.
  @discardableResult
  public func build(clock: any Clock, progress: (Int, Int) -> Void = { _, _ in }) throws
    -> BuildReport
  {
    let lock = try store.lock(.shared)
    defer { withExtendedLifetime(lock) {} }
    let published = try DatanetRecords(store: store, datanet: datanet)
    let covered = try coveredContributions()
    let pending = try published.contributions().map(\.id).filter { !covered.contains($0) }
    guard !pending.isEmpty else {
      return BuildReport(segments: [], contributions: 0, records: 0, tokens: 0, retired: [])
    }
    let written = try writeSegments(
      from: published, only: Set(pending), clock: clock, progress: progress)
    let committed = try store.catalog.write(datanet: datanet.id) { db, num -> Bool in
      // Another build may have covered the same contributions meanwhile: then it won.
      for contribution in pending {
        let known = try Bool.fetchOne(
          db,
          sql:
            "SELECT 1 FROM attribution_contributions WHERE datanet = ? AND contribution = ? LIMIT 1",
          arguments: [num, contribution.hex])
        if known == true { return false }
      }
      try record(written, contributions: pending, in: db, num: num)
      return true
    }
    if !committed {
      let listed = Set(try segments().map(\.id))
      for segment in written.segments.map(\.listing) where !listed.contains(segment.id) {
        removeDirectory("\(directory)/\(segment.id.hex)")
      }
      return BuildReport(segments: [], contributions: 0, records: 0, tokens: 0, retired: [])
    }
    return BuildReport(
      segments: written.segments.map(\.listing), contributions: pending.count,
      records: written.segments.reduce(0) { $0 + $1.listing.records },
      tokens: written.segments.reduce(0) { $0 + $1.listing.tokens }, retired: [])
  }

  /// Rewrites the whole index from the records the Datanet publishes now: the segments merge
  /// into one (or several, past `segmentCapacity`), and removed records leave the files.
  @discardableResult
  public func compact(clock: any Clock, progress: (Int, Int) -> Void = { _, _ in }) throws
    -> BuildReport
  {
    let lock = try store.lock(.shared)
    defer { withExtendedLifetime(lock) {} }
    return try rewrite(clock: clock, progress: progress)
  }

  /// `compact` for a caller that holds the store lock already (`gc`).
  func rewrite(clock: any Clock, progress: (Int, Int) -> Void = { _, _ in }) throws
    -> BuildReport
  {
    let published = try DatanetRecords(store: store, datanet: datanet)
    let contributions = try published.contributions().map(\.id)
    let written = try writeSegments(from: published, only: nil, clock: clock, progress: progress)
    let newIDs = Set(written.segments.map(\.listing.id))
    let retired = try store.catalog.write(datanet: datanet.id) { db, num -> [Digest] in
      let old = try String.fetchAll(
        db, sql: "SELECT id FROM attribution_segments WHERE datanet = ?", arguments: [num]
      ).compactMap { Digest(hex: $0) }
      try db.execute(sql: "DELETE FROM attribution_segments WHERE datanet = ?", arguments: [num])
      try db.execute(
        sql: "DELETE FROM attribution_contributions WHERE datanet = ?", arguments: [num])
      try record(written, contributions: contributions, in: db, num: num)
      return old.filter { !newIDs.contains($0) }.sorted()
    }
    // Readers that mapped a retired segment keep their mapping until they close it.
    for id in retired { removeDirectory("\(directory)/\(id.hex)") }
    return BuildReport(
      segments: written.segments.map(\.listing), contributions: contributions.count,
      records: written.segments.reduce(0) { $0 + $1.listing.records },
      tokens: written.segments.reduce(0) { $0 + $1.listing.tokens }, retired: retired)
  }

  /// Segments written by one build, and which contribution went into which.
  private struct Written {
    struct Entry {
      var listing: Segment
      var contributions: Set<Digest>
    }
    var segments: [Entry] = []
  }

  private func writeSegments(
    from published: DatanetRecords, only: Set<Digest>?, clock: any Clock,
    progress: (Int, Int) -> Void
  ) throws -> Written {
    try FileSystem.makeDirectory(directory)
    let staging = "\(store.root)/tmp"
    let created = Timestamp.format(clock.now())
    var written = Written()
    var builder = SegmentBuilder()
    var contributions = Set<Digest>()
    var text = RecordText(schema: datanet.schema)
    var records = 0
    var bytes = 0
    func flush() throws {
      guard builder.recordCount > 0 else { return }
      let (id, manifest) = try builder.write(into: directory, stagingDirectory: staging)
      written.segments.append(
        Written.Entry(
          listing: Segment(
            id: id, tokens: manifest.tokens, records: manifest.records,
            bytes: manifest.fileBytes, created: created),
          contributions: contributions))
      builder = SegmentBuilder()
      contributions = []
    }
    do {
      try published.forEachRecord(only: only) { record in
        let recordText = text.extract(record.bytes)
        recordText.withUnsafeBytes { bytes in
          builder.add(
            record: record.id, contributor: record.contributor,
            contribution: record.contribution, text: bytes)
        }
        contributions.insert(record.contribution)
        records += 1
        bytes += record.bytes.count
        progress(records, bytes)
        if builder.positionCount >= segmentCapacity { try flush() }
      }
      try flush()
    } catch {
      // A walk that stops (a record a redacted shard erased) leaves no segment of this build
      // behind; one the index lists already (the same records, built before) stays.
      let listed = try? store.catalog.read(datanet: datanet.id) { db, num in
        try String.fetchAll(
          db, sql: "SELECT id FROM attribution_segments WHERE datanet = ?", arguments: [num])
      }
      if let listed = listed.map(Set.init) {
        for entry in written.segments where !listed.contains(entry.listing.id.hex) {
          removeDirectory("\(directory)/\(entry.listing.id.hex)")
        }
      }
      throw error
    }
    return written
  }

  /// Lists `written` and which segment covers each of `contributions` (an empty segment for
  /// those that had no record to index).
  private func record(
    _ written: Written, contributions: [Digest], in db: Database, num: Int64
  ) throws {
    var placed = Set<Digest>()
    for entry in written.segments {
      let segment = entry.listing
      try db.execute(
        sql: """
          INSERT OR REPLACE INTO attribution_segments (datanet, id, tokens, records, bytes, created)
          VALUES (?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          num, segment.id.hex, segment.tokens, segment.records, segment.bytes, segment.created,
        ])
      for contribution in entry.contributions.sorted() {
        try db.execute(
          sql:
            "INSERT OR IGNORE INTO attribution_contributions (datanet, contribution, segment) VALUES (?, ?, ?)",
          arguments: [num, contribution.hex, segment.id.hex])
        placed.insert(contribution)
      }
    }
    for contribution in contributions where !placed.contains(contribution) {
      try db.execute(
        sql:
          "INSERT OR IGNORE INTO attribution_contributions (datanet, contribution, segment) VALUES (?, ?, '')",
        arguments: [num, contribution.hex])
    }
  }

  func coveredContributions() throws -> Set<Digest> {
    try store.catalog.read(datanet: datanet.id) { db, num in
      return Set(
        try String.fetchAll(
          db, sql: "SELECT DISTINCT contribution FROM attribution_contributions WHERE datanet = ?",
          arguments: [num]
        ).compactMap { Digest(hex: $0) })
    }
  }

  // MARK: - Status

  /// What `index status` shows.
  public struct Status: Codable, Sendable, Equatable {
    public var datanet: Digest
    public var name: String
    public var segments: [Segment]
    public var tokens: Int
    public var records: Int
    public var bytes: Int
    /// Indexed records since removed: masked at query time until `index compact`.
    public var maskedRecords: Int
    /// Accepted contributions the index does not cover yet (`index build` adds them).
    public var pendingContributions: Int
    /// The records of those contributions (a progress bar's total).
    public var pendingRecords: Int
    /// Bytes on disk per token, over all segments (0 for an empty index).
    public var bytesPerToken: Double
    /// Segments written in an earlier format version: still read, and rewritten in the current
    /// (smaller) one by `index compact`.
    public var olderFormatSegments: Int
  }

  public func status() throws -> Status {
    let listed = try segments()
    let published = try DatanetRecords(store: store, datanet: datanet)
    let covered = try coveredContributions()
    let pendingRows = try published.contributions().filter { !covered.contains($0.id) }
    let masked = try maskedRecords(segments: listed, removed: published.removed())
    let tokens = listed.reduce(0) { $0 + $1.tokens }
    let bytes = listed.reduce(0) { $0 + $1.bytes }
    let older = listed.filter { segment in
      let path = "\(directory)/\(segment.id.hex)/\(SegmentFiles.manifest)"
      let manifest = try? JSONDecoder().decode(SegmentManifest.self, from: FileSystem.read(path))
      return manifest.map { $0.version < SegmentManifest.currentVersion } ?? false
    }.count
    return Status(
      datanet: datanet.id, name: datanet.name, segments: listed, tokens: tokens,
      records: listed.reduce(0) { $0 + $1.records }, bytes: bytes, maskedRecords: masked,
      pendingContributions: pendingRows.count,
      pendingRecords: pendingRows.reduce(0) { $0 + $1.records },
      bytesPerToken: tokens > 0 ? Double(bytes) / Double(tokens) : 0,
      olderFormatSegments: older)
  }

  /// How many of `removed` the listed segments still hold (each segment counted once).
  fileprivate func maskedRecords(segments listed: [Segment], removed: [RemovedRecord]) throws -> Int
  {
    guard !removed.isEmpty else { return 0 }
    var masked = 0
    for segment in listed {
      let opened = try IndexSegment(directory: "\(directory)/\(segment.id.hex)")
      masked += removed.filter { opened.recordIndex(of: $0.record) != nil }.count
    }
    return masked
  }
}

/// What `gc` did (or would do) to one Datanet's attribution index.
public struct IndexCompaction: Codable, Sendable, Equatable {
  public var datanet: Digest
  public var name: String
  /// Removed records the old segments held.
  public var removedRecords: Int
  /// The segments retired (with `--dry-run`, those that would be).
  public var retired: [Digest]
  /// The segments written in their place (none with `--dry-run`).
  public var written: [Digest]
}

extension Store {
  /// Compacts the attribution index of every Datanet whose segments hold removed records, so
  /// that their text leaves `indexes/` as their bytes leave the shards. A segment that does not
  /// open counts as holding them. Called by `gc`, which holds the store lock exclusively.
  func compactIndexesHoldingRemovedRecords(dryRun: Bool, clock: any Clock) throws
    -> [IndexCompaction]
  {
    let states = try catalog.read { db in
      try Data.fetchAll(db, sql: "SELECT state FROM datanets ORDER BY id").map(DatanetRow.decode)
    }
    var compactions = [IndexCompaction]()
    for state in states {
      let index = AttributionIndex(store: self, datanet: state)
      let segments = try index.segments()
      guard !segments.isEmpty else { continue }
      let removed = try DatanetRecords(store: self, datanet: state).removed()
      guard !removed.isEmpty else { continue }
      let masked = (try? index.maskedRecords(segments: segments, removed: removed)) ?? removed.count
      guard masked > 0 else { continue }
      if dryRun {
        compactions.append(
          IndexCompaction(
            datanet: state.id, name: state.name, removedRecords: masked,
            retired: segments.map(\.id), written: []))
        continue
      }
      let report = try index.rewrite(clock: clock)
      compactions.append(
        IndexCompaction(
          datanet: state.id, name: state.name, removedRecords: masked, retired: report.retired,
          written: report.segments.map(\.id)))
    }
    return compactions
  }

  /// Segment directories under `indexes/` that no catalog row lists (retired by a compaction,
  /// or left by an interrupted build), and staging directories of interrupted builds.
  func unlistedAttributionSegments() throws -> [String] {
    let listed = try catalog.read { db in
      Set(
        try Row.fetchAll(
          db,
          sql:
            "SELECT d.id AS datanet, s.id AS segment FROM attribution_segments s JOIN datanets d ON d.num = s.datanet"
        ).map { "\($0["datanet"] as String)/\($0["segment"] as String)" })
    }
    var unlisted = [String]()
    for datanet in try FileSystem.list(indexesDirectory) where Digest(hex: datanet) != nil {
      for name in try FileSystem.list("\(indexesDirectory)/\(datanet)")
      where name.utf8.count == 64 && Hex.isLowercaseHex(name)
        && !listed.contains("\(datanet)/\(name)")
      {
        unlisted.append("\(indexesDirectory)/\(datanet)/\(name)")
      }
    }
    for name in try FileSystem.list(objects.staging) where name.hasPrefix("segment-") {
      unlisted.append("\(objects.staging)/\(name)")
    }
    return unlisted
  }
}
