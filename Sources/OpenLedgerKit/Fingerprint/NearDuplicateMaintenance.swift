import Foundation
import GRDB

extension Store {
  /// Keeps a Datanet's near-duplicate index small in files: while the two smallest segments
  /// are within a factor of two of each other, they are merged. The number of files then grows
  /// with the logarithm of the records, so lookups stay fast as the Datanet grows.
  func compactNearDuplicateIndex(of datanet: Digest) throws {
    let directory = NearDuplicateIndex.directory(of: datanet, indexes: indexesDirectory)
    while true {
      let (num, rows) = try catalog.read { db in
        let num = try ContributionCatalog.datanetNumber(datanet, in: db)
        let rows = try Row.fetchAll(
          db,
          sql:
            "SELECT file, records FROM near_duplicate_segments WHERE datanet = ? ORDER BY records, file",
          arguments: [num]
        ).map { (file: $0["file"] as String, records: $0["records"] as Int) }
        return (num, rows)
      }
      guard rows.count >= 2, rows[1].records <= 2 * max(rows[0].records, 1) else { return }
      let pair = Array(rows.prefix(2))
      let segments = try pair.map { try NearDuplicateSegment(path: "\(directory)/\($0.file)") }
      let merged = try NearDuplicateSegment.merge(
        segments, into: directory, stagingDirectory: "\(root)/tmp")
      let total = pair.reduce(0) { $0 + $1.records }
      let replaced = try catalog.write { db -> Bool in
        // Another process may have merged the same files meanwhile.
        let still = try Int.fetchOne(
          db,
          sql: "SELECT COUNT(*) FROM near_duplicate_segments WHERE datanet = ? AND file IN (?, ?)",
          arguments: [num, pair[0].file, pair[1].file])
        guard still == 2 else { return false }
        for row in pair {
          try db.execute(
            sql: "DELETE FROM near_duplicate_segments WHERE datanet = ? AND file = ?",
            arguments: [num, row.file])
        }
        try db.execute(
          sql:
            "INSERT OR IGNORE INTO near_duplicate_segments (datanet, file, records) VALUES (?, ?, ?)",
          arguments: [num, merged, total])
        return true
      }
      if !replaced {
        if !pair.contains(where: { $0.file == merged }) {
          try? FileSystem.remove("\(directory)/\(merged)")
        }
        return
      }
      // Readers that mapped the old files keep them until they unmap; `gc` removes any left.
      for row in pair where row.file != merged {
        try? FileSystem.remove("\(directory)/\(row.file)")
      }
    }
  }

  /// Recomputes a Datanet's near-duplicate index from its records, as one segment.
  func rebuildNearDuplicateIndex(of state: DatanetState, in db: Database) throws {
    let num = try ContributionCatalog.datanetNumber(state.id, in: db)
    let directory = NearDuplicateIndex.directory(of: state.id, indexes: indexesDirectory)
    try FileSystem.makeDirectory(directory)
    var ids = [RecordID]()
    var signatures = [UInt16]()
    var text = RecordText(schema: state.schema)
    let hasher = MinHasher()
    let rows = try Row.fetchAll(
      db,
      sql: """
        SELECT s.id AS shard, s.num AS shardNum, c.num AS contribution FROM shards s
        JOIN contributions c ON c.num = s.contribution
        WHERE c.datanet = ? AND c.status IN ('pending', 'accepted')
        ORDER BY c.num, s.position
        """, arguments: [num])
    let credited = try db.cachedStatement(
      sql: "SELECT 1 FROM records WHERE datanet = ? AND id = ? AND shard = ?")
    for row in rows {
      guard let shard = Digest(hex: row["shard"]) else { continue }
      let shardNum: Int64 = row["shardNum"]
      try ShardReader(data: objects.read(shard)).forEachRecord { bytes, _ in
        let id = RecordID(of: bytes)
        guard try Bool.fetchOne(credited, arguments: [num, id.data, shardNum]) == true else {
          return
        }
        ids.append(id)
        signatures.append(
          contentsOf: CompactSignature.compute(text: text.extract(bytes), id: id, hasher: hasher))
      }
    }
    try db.execute(sql: "DELETE FROM near_duplicate_segments WHERE datanet = ?", arguments: [num])
    guard !ids.isEmpty else { return }
    let file = try NearDuplicateSegment.write(
      ids: ids, signatures: signatures, into: directory, stagingDirectory: "\(root)/tmp")
    try db.execute(
      sql: "INSERT INTO near_duplicate_segments (datanet, file, records) VALUES (?, ?, ?)",
      arguments: [num, file, ids.count])
  }

  /// Index files that the catalog no longer lists.
  func unlistedIndexFiles() throws -> [String] {
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
    for datanet in try FileSystem.list(indexesDirectory) {
      guard let id = Digest(hex: datanet) else { continue }
      let directory = NearDuplicateIndex.directory(of: id, indexes: indexesDirectory)
      for file in try FileSystem.list(directory) where file.hasSuffix(".seg") {
        let path = "\(directory)/\(file)"
        if !known.contains(path) { unlisted.append(path) }
      }
    }
    return unlisted
  }
}

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
