import Foundation
import GRDB

/// Two segments of a Datanet's near-duplicate index to merge into one: the two smallest, as the
/// catalog listed them.
struct NearDuplicateMerge {
  var datanet: Int64
  var pair: [(file: String, records: Int)]
  /// The pair's files, opened.
  var segments: [NearDuplicateSegment]
}

// How the files of the near-duplicate index are shared between processes:
//
// - A file is written (staged, renamed into place) and listed in the catalog by a process that
//   holds the store lock shared from before the writing until after the listing, and the
//   listing transaction checks that the file is there.
// - A file is deleted only by a process that holds the store lock exclusively, and only when
//   the catalog, read under that lock, does not list it. Merges never delete anything: the
//   files they replace, and merged files that lost a race, stay until `gc` or the next
//   contribution that finds the store idle (`removeUnlistedNearDuplicateFiles`).
//
// So a process holding the lock shared (every writer) never sees a listed file missing: the
// list it reads cannot have lost a file since it took the lock. Processes that read without the
// lock (`fingerprint`, `validate` of files) can find a file gone that a merge replaced after
// their snapshot; they read the list again (`readDatanet`). A listed file missing on a fresh
// list is damage, and `rebuild-catalog` repairs it.

extension Store {
  /// Keeps a Datanet's near-duplicate index small in files: while the two smallest segments
  /// are within a factor of two of each other, they are merged. The number of files then grows
  /// with the logarithm of the records, so lookups stay fast as the Datanet grows. Call it
  /// holding the store lock shared.
  func compactNearDuplicateIndex(of datanet: Digest) throws {
    while let merge = try nextNearDuplicateMerge(of: datanet) {
      guard try applyNearDuplicateMerge(merge, of: datanet) else { return }
    }
  }

  /// The two smallest segments of the Datanet's index, opened, when they are within a factor
  /// of two of each other.
  func nextNearDuplicateMerge(of datanet: Digest) throws -> NearDuplicateMerge? {
    let directory = NearDuplicateIndex.directory(of: datanet, indexes: indexesDirectory)
    return try catalog.read(datanet: datanet) { db, num in
      let rows = try Row.fetchAll(
        db,
        sql:
          "SELECT file, records FROM near_duplicate_segments WHERE datanet = ? ORDER BY records, file",
        arguments: [num]
      ).map { (file: $0["file"] as String, records: $0["records"] as Int) }
      guard rows.count >= 2, rows[1].records <= 2 * max(rows[0].records, 1) else { return nil }
      let pair = Array(rows.prefix(2))
      return NearDuplicateMerge(
        datanet: num, pair: pair,
        segments: try pair.map { try NearDuplicateSegment(path: "\(directory)/\($0.file)") })
    }
  }

  /// Writes the merged file and lists it in place of the pair. False, and nothing listed,
  /// when another process replaced the pair meanwhile; the merged file is then left for
  /// `removeUnlistedNearDuplicateFiles`, since it may be the very file the other listed.
  func applyNearDuplicateMerge(_ merge: NearDuplicateMerge, of datanet: Digest) throws -> Bool {
    let directory = NearDuplicateIndex.directory(of: datanet, indexes: indexesDirectory)
    let merged = try NearDuplicateSegment.merge(
      merge.segments, into: directory, stagingDirectory: "\(root)/tmp")
    let total = merge.pair.reduce(0) { $0 + $1.records }
    return try catalog.write { db -> Bool in
      let still = try Int.fetchOne(
        db,
        sql: "SELECT COUNT(*) FROM near_duplicate_segments WHERE datanet = ? AND file IN (?, ?)",
        arguments: [merge.datanet, merge.pair[0].file, merge.pair[1].file])
      guard still == 2 else { return false }
      try Self.checkPresent(merged, in: directory)
      for row in merge.pair {
        try db.execute(
          sql: "DELETE FROM near_duplicate_segments WHERE datanet = ? AND file = ?",
          arguments: [merge.datanet, row.file])
      }
      try db.execute(
        sql:
          "INSERT OR IGNORE INTO near_duplicate_segments (datanet, file, records) VALUES (?, ?, ?)",
        arguments: [merge.datanet, merged, total])
      return true
    }
  }

  /// Throws unless index file `file` is in `directory`: checked inside the transaction that
  /// lists it, so that the catalog never lists a file that is not there.
  static func checkPresent(_ file: String, in directory: String) throws {
    let path = "\(directory)/\(file)"
    guard FileSystem.exists(path) else { throw NearDuplicateIndexError.missingSegment(path: path) }
  }

  /// Deletes the Datanet's index files that the catalog does not list (replaced by a merge, or
  /// written by a command that failed), when no other process holds the store lock; otherwise
  /// does nothing and leaves them to a later call or `gc`. Returns how many it deleted.
  @discardableResult
  func removeUnlistedNearDuplicateFiles(of datanet: Digest) throws -> Int {
    guard let lock = try lockIfFree(.exclusive) else { return 0 }
    defer { withExtendedLifetime(lock) {} }
    let files = try unlistedIndexFiles(of: datanet)
    for path in files { try FileSystem.remove(path) }
    return files.count
  }

  /// The files of the Datanet's near-duplicate index, as the catalog lists them, with the
  /// records each holds.
  func nearDuplicateSegments(of datanet: Digest) throws -> [(file: String, records: Int)] {
    try catalog.read { db in
      try Row.fetchAll(
        db,
        sql: "SELECT file, records FROM near_duplicate_segments WHERE datanet = ? ORDER BY file",
        arguments: [try DatanetRow.number(of: datanet, in: db)]
      ).map { (file: $0["file"], records: $0["records"]) }
    }
  }

  /// Runs `body` in one catalog read transaction, with the Datanet's state and its view for
  /// ingestion (its records and near-duplicate index, opened). When a file of the index is
  /// missing, the list is read once more, from the catalog as it is then: a process that does
  /// not hold the store lock can find a file gone that a merge replaced after it read the list.
  /// Nothing of the input has been read when that happens.
  func readDatanet<T>(_ datanet: Digest, _ body: (DatanetState, DatanetView) throws -> T)
    throws -> T
  {
    var again = false
    while true {
      do {
        return try catalog.read { db in
          guard let state = try DatanetRow.load(datanet, in: db) else {
            throw LedgerError.unknownDatanet(datanet.hex, known: [])
          }
          let view: DatanetView
          do {
            view = try DatanetView(
              num: try DatanetRow.number(of: datanet, in: db), db: db,
              indexDirectory: NearDuplicateIndex.directory(of: datanet, indexes: indexesDirectory))
          } catch NearDuplicateIndexError.missingSegment where !again {
            throw ListedFileGone()
          }
          return try body(state, view)
        }
      } catch is ListedFileGone {
        again = true
      }
    }
  }

  /// Adds to the Datanet's near-duplicate index, as one segment, the records of the shards a
  /// pull left pending (`deferNearDuplicates`), so that what follows compares records with
  /// all of the Datanet's. Nothing to do, and nothing written, when none is pending. Call it
  /// holding the store lock shared; the pending shards are read, re-hashed, indexed and
  /// unlisted in one write transaction, so two processes never index them twice.
  func indexPendingNearDuplicates(of datanet: Digest) throws {
    guard try pendingNearDuplicateShards(of: datanet) > 0 else { return }
    try catalog.write { db in
      guard let state = try DatanetRow.load(datanet, in: db) else { return }
      try indexShards(of: state, pendingOnly: true, clearing: ["near_duplicate_pending"], in: db)
    }
    try compactNearDuplicateIndex(of: datanet)
  }

  /// How many shards a pull brought whose records the Datanet's near-duplicate index does not
  /// hold yet (0 for a Datanet this store does not know).
  public func pendingNearDuplicateShards(of datanet: Digest) throws -> Int {
    try catalog.read { db in
      guard try DatanetRow.load(datanet, in: db) != nil else { return 0 }
      return try Int.fetchOne(
        db, sql: "SELECT COUNT(*) FROM near_duplicate_pending WHERE datanet = ?",
        arguments: [try DatanetRow.number(of: datanet, in: db)]) ?? 0
    }
  }

  /// Recomputes a Datanet's near-duplicate index from its records, as one segment (pending
  /// shards included).
  func rebuildNearDuplicateIndex(of state: DatanetState, in db: Database) throws {
    try indexShards(
      of: state, pendingOnly: false,
      clearing: ["near_duplicate_segments", "near_duplicate_pending"],
      in: db)
  }

  /// Writes the credited records of the Datanet's shards (all of them, or those a pull left
  /// pending) as one segment and lists it, once the rows of `tables` are deleted. Shards of
  /// contributions rejected or withdrawn are passed over: their records no longer count.
  private func indexShards(
    of state: DatanetState, pendingOnly: Bool, clearing tables: [String], in db: Database
  ) throws {
    let num = try DatanetRow.number(of: state.id, in: db)
    let directory = NearDuplicateIndex.directory(of: state.id, indexes: indexesDirectory)
    try FileSystem.makeDirectory(directory)
    let pending =
      pendingOnly
      ? "AND s.num IN (SELECT shard FROM near_duplicate_pending WHERE datanet = c.datanet)" : ""
    let shards = try Row.fetchAll(
      db,
      sql: """
        SELECT s.id AS shard, s.num AS num FROM shards s
        JOIN contributions c ON c.num = s.contribution
        WHERE c.datanet = ? AND c.status IN ('pending', 'accepted') \(pending)
        ORDER BY c.num, s.position
        """, arguments: [num]
    ).compactMap { row -> (id: Digest, num: Int64)? in
      Digest(hex: row["shard"]).map { ($0, row["num"]) }
    }
    let (ids, signatures) = try creditedSignatures(
      of: shards, datanet: num, schema: state.schema, db: db)
    for table in tables {
      try db.execute(sql: "DELETE FROM \(table) WHERE datanet = ?", arguments: [num])
    }
    guard !ids.isEmpty else { return }
    let file = try NearDuplicateSegment.write(
      ids: ids, signatures: signatures, into: directory, stagingDirectory: "\(root)/tmp")
    try Self.checkPresent(file, in: directory)
    try db.execute(
      sql:
        "INSERT OR IGNORE INTO near_duplicate_segments (datanet, file, records) VALUES (?, ?, ?)",
      arguments: [num, file, ids.count])
  }

  /// Near-duplicate index files that the catalog does not list: of one Datanet, or of all.
  func unlistedIndexFiles(of datanet: Digest? = nil) throws -> [String] {
    let listed = try catalog.read { db in
      try Row.fetchAll(
        db,
        sql:
          "SELECT d.id AS datanet, n.file AS file FROM near_duplicate_segments n JOIN datanets d ON d.num = n.datanet"
      ).map { row -> String in
        let datanet = Digest(hex: row["datanet"])!
        return
          "\(NearDuplicateIndex.directory(of: datanet, indexes: indexesDirectory))/\(row["file"] as String)"
      }
    }
    let known = Set(listed)
    var unlisted = [String]()
    let datanets =
      try datanet.map { [$0] } ?? FileSystem.list(indexesDirectory).compactMap(Digest.init(hex:))
    for id in datanets {
      let directory = NearDuplicateIndex.directory(of: id, indexes: indexesDirectory)
      for file in try FileSystem.list(directory) where file.hasSuffix(".seg") {
        let path = "\(directory)/\(file)"
        if !known.contains(path) { unlisted.append(path) }
      }
    }
    return unlisted
  }
}

/// A file the list named was gone when it was opened: `readDatanet` reads the list again.
private struct ListedFileGone: Error {}

/// The text a stored record contributes: what its fingerprint is computed from, and what
/// attribution indexes. The record itself for plain text; its schema's text fields joined by
/// newlines (empty ones left out) for JSON and CSV records, which are stored as canonical JSON.
/// The same text `RecordFormatter` gathered when the record was contributed. One per thread: it
/// reuses its buffers.
public struct RecordText {
  private let schema: DatanetSchema
  private var json: JSONCanonicalizer
  private var scratch: [UInt8] = []
  private var text: [UInt8] = []

  public init(schema: DatanetSchema) {
    self.schema = schema
    json = JSONCanonicalizer(fields: schema.textFields)
  }

  /// The UTF-8 text of the record whose canonical bytes are `canonical`; empty when the record
  /// has none (or is not the JSON its schema says).
  public mutating func extract(_ canonical: UnsafeRawBufferPointer) -> [UInt8] {
    if schema.format == .text { return Array(canonical) }
    scratch.removeAll(keepingCapacity: true)
    text.removeAll(keepingCapacity: true)
    guard (try? json.canonicalize(canonical, into: &scratch)) != nil else { return [] }
    for value in json.fields {
      guard case .string(let bytes)? = value, !bytes.isEmpty else { continue }
      if !text.isEmpty { text.append(0x0a) }
      text.append(contentsOf: bytes)
    }
    return text
  }
}

extension CompactSignature {
  /// The compact signature of `text`; a text without words gets values derived from the
  /// record id, so it resembles nothing else.
  static func compute(text: [UInt8], id: RecordID, hasher: MinHasher) -> [UInt16] {
    if let signature = text.withUnsafeBytes({ hasher.signature(utf8: $0) }) {
      return signature.compact.values
    }
    var values = [UInt16]()
    var state = id.words.0 ^ id.words.1
    for _ in 0..<count {
      state = Mix64.finalize(state &+ 0x9e37_79b9_7f4a_7c15)
      values.append(UInt16(truncatingIfNeeded: state))
    }
    return values
  }
}
