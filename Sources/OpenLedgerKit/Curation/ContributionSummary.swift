import Foundation
import GRDB

/// A contribution as the catalog holds it: who submitted it and when, its counts, and its
/// status with the event that settled it.
public struct ContributionSummary: Codable, Sendable, Equatable {
  /// The id of its `contribution.submit` event.
  public var id: Digest
  public var datanet: Digest
  public var contributor: AccountID
  /// When it was submitted (the event's time).
  public var time: String
  public var status: ContributionStatus
  /// Records its shards hold.
  public var records: Int
  /// Bytes of its shards.
  public var bytes: Int
  /// Exact duplicates it carried (inside its input, or already in the Datanet); not stored.
  public var exactDuplicates: Int
  /// Near duplicates it carried, flagged or refused.
  public var nearDuplicates: Int
  /// Records refused by the schema and skipped (`--skip-invalid`): its schema warnings.
  public var invalid: Int
  /// Who settled its status: the reviewing curator, or the contributor who withdrew it.
  public var decidedBy: AccountID?
  /// When its status was settled.
  public var decidedAt: String?
  /// The reason given for the decision.
  public var reason: String?
  /// The `contribution.review` or `contribution.withdraw` event.
  public var decision: Digest?
}

/// A contribution's catalog row: its summary and the small numbers the large tables use.
struct ContributionRow {
  var num: Int64
  var datanetNum: Int64
  var summary: ContributionSummary

  var id: Digest { summary.id }
  var status: ContributionStatus { summary.status }

  static let select = """
    SELECT c.num, c.id, c.datanet AS datanetNum, d.id AS datanetID, c.contributor, c.time,
      c.status, c.records, c.bytes, c.exact_duplicates, c.near_duplicates, c.invalid,
      c.reviewer, c.reviewed, c.reason, c.decision
    FROM contributions c JOIN datanets d ON d.num = c.datanet
    """

  init(_ row: Row) throws {
    guard let id = Digest(hex: row["id"]), let datanet = Digest(hex: row["datanetID"]),
      let contributor = AccountID(hex: row["contributor"]),
      let status = ContributionStatus(rawValue: row["status"])
    else {
      throw StoreError.catalog(path: "catalog.sqlite", message: "a contributions row is malformed")
    }
    num = row["num"]
    datanetNum = row["datanetNum"]
    summary = ContributionSummary(
      id: id, datanet: datanet, contributor: contributor, time: row["time"], status: status,
      records: row["records"], bytes: row["bytes"], exactDuplicates: row["exact_duplicates"],
      nearDuplicates: row["near_duplicates"], invalid: row["invalid"],
      decidedBy: (row["reviewer"] as String?).flatMap(AccountID.init(hex:)),
      decidedAt: row["reviewed"], reason: row["reason"],
      decision: (row["decision"] as String?).flatMap(Digest.init(hex:)))
  }

  /// The contribution whose id is `id`, if the catalog holds it.
  static func load(_ id: Digest, in db: Database) throws -> ContributionRow? {
    try Row.fetchOne(db, sql: "\(select) WHERE c.id = ?", arguments: [id.hex]).map(
      ContributionRow.init)
  }

  /// The contribution called `reference`: a full id, or a unique prefix of at least 8 hex
  /// digits.
  static func resolve(_ reference: String, in db: Database) throws -> ContributionRow {
    let lowered = reference.lowercased()
    guard lowered.utf8.count >= 8, lowered.utf8.count <= 64, Hex.isLowercaseHex(lowered) else {
      throw CurationError.unknownContribution(reference)
    }
    if lowered.utf8.count == 64, let id = Digest(hex: lowered) {
      guard let row = try load(id, in: db) else {
        throw CurationError.unknownContribution(reference)
      }
      return row
    }
    let rows = try Row.fetchAll(
      db, sql: "\(select) WHERE substr(c.id, 1, ?) = ? ORDER BY c.id LIMIT 6",
      arguments: [lowered.utf8.count, lowered])
    if rows.isEmpty { throw CurationError.unknownContribution(reference) }
    if rows.count > 1 {
      throw CurationError.ambiguousContribution(
        reference, matches: rows.prefix(5).map { String(($0["id"] as String).prefix(16)) })
    }
    return try ContributionRow(rows[0])
  }

  /// Settles the contribution's status, recording the deciding event.
  func decide(_ status: ContributionStatus, by event: SignedEvent, reason: String?, in db: Database)
    throws
  {
    try db.execute(
      sql: """
        UPDATE contributions SET status = ?, reviewer = ?, reviewed = ?, reason = ?, decision = ?
        WHERE num = ?
        """,
      arguments: [
        status.rawValue, event.payload.actor.hex, event.payload.time, reason, event.id.hex, num,
      ])
  }

  /// The shard objects of this contribution, in order.
  func shards(in db: Database) throws -> [ShardRef] {
    var first = 0
    return try Row.fetchAll(
      db, sql: "SELECT num, id, records FROM shards WHERE contribution = ? ORDER BY position",
      arguments: [num]
    ).compactMap { row in
      defer { first += row["records"] as Int }
      return Digest(hex: row["id"]).map { ShardRef(num: row["num"], id: $0, firstRecord: first) }
    }
  }

  /// The records of shard `shard` (whose bytes are `data`) that this contribution is credited
  /// with, in order, each with whether it has been removed. Records the shard holds that are
  /// credited to another contribution (one that stored the same record at the same moment, or
  /// a later one after this was rejected or withdrawn) are left out.
  func creditedRecords(in shard: ShardRef, data: Data, db: Database) throws -> [CreditedRecord] {
    let credited = try db.cachedStatement(
      sql: """
        SELECT \(RecordStanding.removed("r")) FROM records r
        WHERE r.datanet = ? AND r.id = ? AND r.contribution = ? AND r.shard = ?
        """)
    var records = [CreditedRecord]()
    var ordinal = shard.firstRecord
    do {
      try ShardReader(data: data).forEachEntry { entry in
        defer { ordinal += 1 }
        let (id, offset, length) =
          switch entry {
          case .record(let bytes, let offset): (RecordID(of: bytes), offset, bytes.count)
          case .tombstone(let id, let offset): (id, offset, 0)
          }
        guard
          let removed = try Bool.fetchOne(
            credited, arguments: [datanetNum, id.data, num, shard.num])
        else { return }
        records.append(
          CreditedRecord(
            id: id, offset: offset, length: length, removed: removed, ordinal: ordinal))
      }
    } catch is ShardReader.Failure {
      throw LedgerError.corruptEvent(
        summary.id, reason: "its shard \(shard.id.hex) is malformed; run `openledger fsck`")
    }
    return records
  }

  /// Calls `body` with each record this contribution is credited with, in shard order then
  /// position in the shard: its id, canonical bytes (valid during the call only; empty when
  /// `gc` erased them), whether it has been removed, and its ordinal among the shards' records
  /// (what its `Provenance` is looked up by).
  func forEachRecord(
    in db: Database, objects: ObjectStore,
    _ body: (RecordID, UnsafeRawBufferPointer, _ removed: Bool, _ ordinal: Int) throws -> Void
  ) throws {
    for shard in try shards(in: db) {
      let data = try objects.read(shard.id)
      let records = try creditedRecords(in: shard, data: data, db: db)
      try data.withUnsafeBytes { bytes in
        for record in records {
          try body(record.id, record.bytes(in: bytes), record.removed, record.ordinal)
        }
      }
    }
  }
}

/// A shard object as the catalog lists it.
struct ShardRef {
  var num: Int64
  var id: Digest
  /// The ordinal of its first record among its contribution's records.
  var firstRecord: Int
}

/// A record of a shard that its contribution is credited with.
struct CreditedRecord {
  var id: RecordID
  var offset: Int
  /// 0 for a record `gc` erased (records are never empty).
  var length: Int
  var removed: Bool
  /// Its position among its contribution's records, in shard order.
  var ordinal: Int

  func bytes(in shard: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: shard[offset..<offset + length])
  }
}
