import Foundation
import GRDB

/// A contribution's status.
public enum ContributionStatus: String, Codable, Sendable, CaseIterable {
  case pending, accepted, rejected, withdrawn
}

/// The catalog rows of contributions, shards and records.
enum ContributionCatalog {
  /// What the writer of a contribution already holds, so that recording its event reads
  /// nothing back (`Ledger.append`'s rows). A replay has none and reads the shards.
  struct Written {
    /// Every record of the shards, in order, with where its bytes are.
    var records: [StoredRecord]
    /// Where they came from: the event's provenance object, as written.
    var provenance: Provenance?
    /// The near-duplicate index file written for the new records, and their count.
    var nearDuplicateSegment: (file: String, records: Int)
  }

  /// Records a `contribution.submit`: the contribution, its shards, and its records. A record
  /// the Datanet holds already stays credited to its earlier contribution; one whose earlier
  /// contribution was rejected or withdrawn is credited to this one (see `RecordStanding`).
  /// `written` is what its writer holds; the writer's event must be credited with every record.
  /// `listed` holds the entries of shard objects a caller has already read and checked against
  /// their names (a pull, as they arrived); those are not read again.
  static func insert(
    _ event: SignedEvent, _ body: ContributionSubmit, written: Written? = nil,
    listed: [Digest: [StoredRecord]] = [:], objects: ObjectStore,
    shards: ShardLocator = ShardLocator(), in db: Database
  ) throws {
    let datanet = try DatanetRow.number(of: event.datanet, in: db)
    try db.execute(
      sql: """
        INSERT INTO contributions (id, datanet, contributor, time, status, records, bytes,
          exact_duplicates, near_duplicates, invalid)
        VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
        """,
      arguments: [
        event.id.hex, datanet, event.payload.actor.hex, event.payload.time, body.records,
        body.shards.reduce(0) { $0 + $1.bytes },
        body.duplicates.exactInInput + body.duplicates.exactInDatanet,
        body.duplicates.nearFlagged + body.duplicates.nearRejected, body.invalid,
      ])
    let contribution = db.lastInsertedRowID
    var shardNumbers = [Int64]()
    for (position, shard) in body.shards.enumerated() {
      // A shard `gc` redacted is held by the redacted object.
      let object = shards.object(for: shard.id)
      try db.execute(
        sql: "INSERT INTO shards (id, contribution, position, records) VALUES (?, ?, ?, ?)",
        arguments: [object.hex, contribution, position, shard.records])
      shardNumbers.append(db.lastInsertedRowID)
      let size = object == shard.id ? shard.bytes : try objects.size(of: object)
      try ObjectRefs.add(object, kind: .shard, size: size, in: db)
    }
    if let id = body.provenance {
      try checkProvenance(id, of: event, body, written: written?.provenance, objects: objects)
      try ObjectRefs.add(id, kind: .provenance, size: try objects.size(of: id), in: db)
    }
    let records =
      try written?.records
      ?? readRecords(
        body.shards.map { shards.object(for: $0.id) }, objects: objects, event: event.id,
        listed: listed)
    guard records.count == body.records else {
      throw LedgerError.corruptEvent(
        event.id, reason: "it counts \(body.records) records but its shards hold \(records.count)")
    }
    let credited = try RecordRows.insert(
      records, datanet: datanet, contribution: contribution, shards: shardNumbers, in: db)
    // A contribution being written must be credited with every record it signs for. Replay
    // keeps what was signed: credit then goes to the earliest event, in ledger order.
    if written != nil, credited < records.count {
      throw ContributionError.overtaken(
        datanet: try DatanetRow.load(event.datanet, in: db)?.name ?? event.datanet.hex,
        records: records.count - credited)
    }
    try RecordStanding.restoreRecredited(contribution: contribution, datanet: datanet, in: db)
    if let segment = written?.nearDuplicateSegment {
      try db.execute(
        sql:
          "INSERT OR IGNORE INTO near_duplicate_segments (datanet, file, records) VALUES (?, ?, ?)",
        arguments: [datanet, segment.file, segment.records])
    }
  }

  /// Checks that the provenance object `id` accounts for every record of the contribution and
  /// for each of its sources; it is read back unless it was `written` by this process.
  static func checkProvenance(
    _ id: Digest, of event: SignedEvent, _ body: ContributionSubmit, written: Provenance?,
    objects: ObjectStore
  ) throws {
    let provenance: Provenance
    do {
      provenance = try written ?? Provenance.decode(objects.read(id), name: id.hex)
    } catch let error as ProvenanceError {
      throw LedgerError.corruptEvent(event.id, reason: "its \(error.description)")
    }
    guard provenance.records == body.records, provenance.sources.count == body.sources.count
    else {
      throw LedgerError.corruptEvent(
        event.id,
        reason: "its provenance object \(id.hex) lists \(provenance.records) records from "
          + "\(provenance.sources.count) sources, not \(body.records) from \(body.sources.count)")
    }
  }

  /// Reads a contribution's shard objects to list its records, for rebuilding the catalog. A
  /// record `gc` erased (a tombstone) is listed with its id and a length of 0.
  static func readRecords(
    _ shards: [Digest], objects: ObjectStore, event: Digest,
    listed: [Digest: [StoredRecord]] = [:]
  ) throws -> [StoredRecord] {
    var records = [StoredRecord]()
    for (position, shard) in shards.enumerated() {
      if let entries = listed[shard] {
        records += entries.lazy.map {
          StoredRecord(id: $0.id, shard: position, offset: $0.offset, length: $0.length)
        }
        continue
      }
      let data = try objects.read(shard)
      do {
        records += try StoredRecord.list(data, shard: position)
      } catch is ShardReader.Failure {
        throw LedgerError.corruptEvent(event, reason: "its shard \(shard.hex) is malformed")
      }
    }
    return records
  }
}

extension ContributionSubmit: EventApplying {
  /// Anyone may contribute to a Datanet; curators decide what is accepted.
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    _ = try context.existingState(of: event)
    try ContributionCatalog.insert(
      event, self, listed: context.listed, objects: context.objects, shards: context.shards,
      in: context.db)
  }
}
